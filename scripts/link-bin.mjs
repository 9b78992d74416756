#!/usr/bin/env node
// Run by `npm install` (prepare, after tsc): links node_modules/.bin/lanmesh to the built CLI, so that in a
// clone `cd peer1 && npx lanmesh -t 9001` starts at once from the local build. npm never links a project's
// own bin into its own node_modules; without this link npx would install the clone into its cache (~20 s)
// or ask the registry for the name. Leaves an existing link or file alone.
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(ROOT, 'node_modules', '.bin');
const link = join(binDir, 'lanmesh');

if (!existsSync(join(ROOT, 'node_modules'))) process.exit(0); // installed as a package: npm links the bin itself
// tsc writes files without the execute bit; npm sets it only on the bins it links.
chmodSync(join(ROOT, 'dist', 'src', 'cli.js'), 0o755);
try {
  lstatSync(link);
} catch {
  mkdirSync(binDir, { recursive: true });
  symlinkSync(join('..', '..', 'dist', 'src', 'cli.js'), link);
}
