// Pauses the guest kernel's free page reporting for the run. On a VM with a reporting balloon
// (Firecracker here), memory left free for ~2 s goes back to the host, and touching it again costs
// 0.5–2.9 s per GiB (dd of 1 GiB into tmpfs: 0.4 s right after a delete, 2.2–2.9 s after 5 s idle).
// That charges whichever variant runs longer, or starts later, for the host's page faults: the
// slower one gets slower. With reporting paused every variant writes into memory the guest owns,
// as on a real machine. The old setting is put back at the end.
import { readFileSync, writeFileSync } from 'node:fs';

const ORDER = '/sys/module/page_reporting/parameters/page_reporting_order';
/** Above MAX_PAGE_ORDER (10): the reporting loop finds no block big enough to report. */
const NEVER = '11';

/** Returns what the report should say and a restore(); a no-op where there is no reporting to pause. */
export function pausePageReporting(log) {
  let old;
  try {
    old = readFileSync(ORDER, 'utf8').trim();
  } catch {
    return { note: undefined, restore() {} };
  }
  try {
    writeFileSync(ORDER, NEVER);
    if (readFileSync(ORDER, 'utf8').trim() !== NEVER) throw new Error('the kernel kept its old value');
  } catch (e) {
    log(`cannot pause free page reporting (${e.message}): figures may include the host's page faults`);
    return { note: `free page reporting left on (order ${old}): figures may include the host's page faults`, restore() {} };
  }
  log(`free page reporting paused for the run (page_reporting_order ${old} → ${NEVER})`);
  return {
    note: `the guest's free page reporting was paused for the run (page_reporting_order ${old} → ${NEVER}, put back after)`,
    restore() {
      try {
        writeFileSync(ORDER, old);
      } catch (e) {
        log(`could not put page_reporting_order back to ${old}: ${e.message}`);
      }
    },
  };
}
