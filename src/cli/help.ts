// Pure: the help texts, one per subcommand (`lanmesh <command> --help`, `lanmesh help <command>`).
// Every line fits 80 columns. The exit codes here are the ones cli/exit-codes.ts returns.

const EXIT_CODES = `
  Exit codes
    0 done   1 failed   2 usage error   3 not found   4 timed out
    130 / 143 interrupted (SIGINT / SIGTERM)`;

const PEER = `
  Usage
    $ lanmesh [-t <port>] [--dir <folder>] [--name <name>] [--no-tui]
              [--peer <host>:<port>]…
    $ lanmesh list | peers | where <name> | download <name>   (one-shot)
    $ lanmesh distribute <path | name> [--to PEER,…]          (one-shot)
    $ lanmesh -t <port> --index <host>[:<port>] [--no-mdns] [--rfc <n>…]
    $ lanmesh index-server [--port 7734] [--host <addr>] [--quiet]
    $ lanmesh doctor [-t <port>] [--peer <host>:<port>]…   (why no peers?)
    $ lanmesh secret new              (prints a strong mesh secret)
    $ lanmesh help [<command>]        (or: lanmesh <command> --help)

  Starts a peer on <folder> (default: the current folder). It offers the files
  in <folder>/shared and <folder>/downloads, and finds the other peers on the
  LAN by itself. On a terminal it shows a live UI; otherwise it reads one
  command per line. Without -t it takes ports 9001-9004.

  The one-shot forms join the mesh (on any free ports unless -t is given),
  wait for discovery to settle, do one thing, leave (goodbye sent) and exit.

  P2P-CI/1.0 compatibility: with --index the peer also registers its RFC files
  (rfc<n>.txt, <n><title>.txt) with a P2P-CI index server and serves GET on
  T+1; then list shows the index and download <RFC number> fetches over P2P-CI.
  index-server runs such an index (each peer's records go when it leaves).

  Options
    -t, --transfer-port  Receiver port T; the peer binds T..T+3 (default 9001)
    --dir                The peer's folder (default: the current folder)
    --name               The name other peers see (default: the folder's name)
    --peer HOST:PORT     A peer mDNS cannot reach (PORT = its -t); repeatable.
                         Also .lanmesh/peers.txt and LANMESH_PEERS (a,b,…)
    --no-tui             Plain line mode even on a terminal (always when piped)
    --accept MODE        Pushes from other peers: all (default), none or ask
                         (y/n; refused after --ask-timeout S, default 60 s)
    --secret PHRASE      A private mesh: only peers with the same secret see
                         and reach each other, over TLS. Also LANMESH_SECRET
                         or .lanmesh/secret (mode 0600)
    --index              P2P-CI index server HOST[:PORT] (default port 7734)
    --no-mdns            With --index: no mDNS discovery (index mode alone)
    --advertise-host     With --index: the Host: sent (default: our address)
    --rfc                With --index: offer only these RFCs (--rfc 791,793)
    -q, --quiet          Answers, results and warnings only (no notices)
    --verbose            Also every module's debug lines, on stderr
    -h, --help           Show this help (lanmesh <command> --help: that command)
    -v, --version        Show the version

  Commands (typed once it runs)
    list, peers, download, downloads, where, share, distribute, add-peer,
    forget-peer, doctor, help, exit (or quit)
${EXIT_CODES}

  Examples
    $ cd peer1 && npx lanmesh -t 9001
    $ npx lanmesh -t 9005 --dir peer2 --name lab-pc-2
    $ printf 'peers\\nlist\\nexit\\n' | npx lanmesh -t 9001 --dir peer1
    $ npx lanmesh list --json
    $ npx lanmesh download notes.txt --out /tmp
    $ npx lanmesh index-server
    $ npx lanmesh -t 9001 --peer 192.168.2.10:9001
    $ npx lanmesh doctor -t 9001
`;

const ONE_SHOT_OPTIONS = `
  Options
    --json               Print one JSON document (errors too; see the README)
    --wait <s>           Seconds to let discovery settle (default 1.5)
    -t, --transfer-port  Use ports T..T+3 (default: any free ones)
    --dir <folder>       Act as the peer of that folder (default: a scratch one)
    --peer HOST:PORT     Also ask this peer (PORT = its -t); repeatable
    --secret PHRASE      Join that private mesh (also LANMESH_SECRET)
    -q, --quiet          No status or progress line on stderr
    --verbose            Also every module's debug lines, on stderr
    -h, --help           Show this help`;

const ONE_SHOT: Record<string, string> = {
  list: `
  Usage
    $ lanmesh list [--json] [--wait <s>]

  Joins the mesh, waits for discovery to settle, prints every file on the mesh
  (name, size, holders) and leaves.
${ONE_SHOT_OPTIONS}
${EXIT_CODES}
`,
  peers: `
  Usage
    $ lanmesh peers [--json] [--wait <s>]

  Joins the mesh, waits for discovery to settle, prints the other peers (name,
  address, the four ports, number of files) and leaves.
${ONE_SHOT_OPTIONS}
${EXIT_CODES}
`,
  where: `
  Usage
    $ lanmesh where <name | id prefix> [--json] [--wait <s>]

  Prints every holder of a file and which of its chunks each one has. Waits up
  to 10 s after discovery for a holder of the name to appear (exit 3 if none).
${ONE_SHOT_OPTIONS}
${EXIT_CODES}
`,
  download: `
  Usage
    $ lanmesh download <name | id prefix> [--out <dir>] [--json] [--wait <s>]

  Fetches a file from every peer that holds it, each chunk verified, into
  <dir> (default: the current folder; never over an existing file: a taken
  name becomes 'name (1).ext'). Waits up to 10 s for a holder to appear.
${ONE_SHOT_OPTIONS}
    --out <dir>          The folder to put the file in
${EXIT_CODES}
`,
  doctor: `
  Usage
    $ lanmesh doctor [-t <port>] [--peer <host>:<port>]… [--dir <folder>]

  Why don't I see peers? Checks, in plain words: which interfaces have an
  IPv4 address and multicast; whether UDP 5353 and T..T+3 can be bound;
  whether our own multicast comes back to us; whether any _lanmesh._tcp
  answer arrives within 3 s; whether each --peer answers hello. Then says
  what to try. Starts no peer. Exit 0 when nothing failed, 1 otherwise.

  Options
    -t, --transfer-port  Check that T..T+3 can be bound
    --peer HOST:PORT     Probe this peer's sender port (PORT = its -t)
    --dir <folder>       Probe the peers in <folder>/.lanmesh/peers.txt too
    -h, --help           Show this help
`,
  distribute: `
  Usage
    $ lanmesh distribute <path | name | id prefix> [--to PEER,…] [--json]

  Pushes a file to every peer on the mesh (or only to the named ones: names or
  id prefixes, comma-separated). A path is shared first. Each recipient gets a
  different share and fetches the rest from the others, so the file leaves
  here about once. Ends when every recipient is done, refused or gone.
${ONE_SHOT_OPTIONS}
    --to <peers>         Push only to these peers
${EXIT_CODES}
`,
  secret: `
  Usage
    $ lanmesh secret new

  Prints a strong random mesh secret (150 bits, in groups of five letters).
  Give the same secret to every peer of a private mesh: --secret PHRASE, the
  LANMESH_SECRET variable, or the file <folder>/.lanmesh/secret (mode 0600).
  Peers with it see and reach only each other, over TLS; the others cannot.

  Options
    -h, --help           Show this help
${EXIT_CODES}
`,
  'index-server': `
  Usage
    $ lanmesh index-server [--port 7734] [--host 0.0.0.0] [--quiet]

  Runs a P2P-CI/1.0 central index server until Ctrl+C. Peers started with
  --index register their RFC files there; each peer's records go when it
  leaves. Logs every request and response unless --quiet.

  Options
    --port <n>           Port to listen on (default 7734)
    --host <addr>        Address to listen on (default 0.0.0.0)
    --quiet              No request/response log
    -h, --help           Show this help
${EXIT_CODES}
`,
};

/** Every subcommand with a help of its own, in help order. */
export function helpTopics(): string[] {
  return Object.keys(ONE_SHOT);
}

/** The help of `topic` (a subcommand; undefined or '' for the peer itself), or undefined when unknown. */
export function helpText(topic?: string): string | undefined {
  if (topic === undefined || topic === '' || topic === 'help') return PEER;
  return ONE_SHOT[topic];
}

export const HELP_TOPICS = ['', ...Object.keys(ONE_SHOT)];
