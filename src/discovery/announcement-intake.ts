// Where mDNS announcements become peer-table updates, with the checks a shared LAN needs: anyone can
// send a packet naming any peer id, so a known peer is moved or said goodbye for only from where it was seen.
import { logger } from '../log.js';
import type { PeerTable } from './peer-table.js';
import type { RemotePeerInfo } from './records.js';

const log = logger('mdns');
/** RFC 6762 §10.1: a goodbye is acted on one second later (a re-announcement in between keeps the peer). */
export const GOODBYE_GRACE_MS = 1000;
/** Warnings one packet can trigger (refused peers, foreign goodbyes) come at most this often. */
const RATE_LIMITED_WARN_MS = 10_000;

export interface IntakeComponents {
  /** Runs fn after ms on the owner's timers (cleared when it stops). */
  later(ms: number, fn: () => void): void;
  warn(msg: string): void;
}

export class AnnouncementIntake {
  private lastWarnAt = -Infinity;
  private heldBack = 0;

  constructor(
    private readonly table: PeerTable,
    private readonly c: IntakeComponents,
  ) {}

  /**
   * One announcement (ttlSec 0: a goodbye) from the packet source in `info.address`. From another
   * address than the known one, it is ignored until the peer's records there run out; a real move
   * (a new DHCP lease) is seen once they do, within one TTL.
   */
  apply(info: RemotePeerInfo, ttlSec: number, from: string): void {
    const known = this.table.get(info.id);
    if (known && known.address !== info.address) {
      const what = ttlSec === 0 ? 'goodbye' : 'announcement';
      this.limitedWarn(`ignored a ${what} for peer ${info.id} from ${from}: it is at ${known.address}`);
      return;
    }
    if (ttlSec === 0) {
      // Repeats within the grace change nothing and set no further timer.
      if (known && !known.leaving && this.table.goodbye(info.id, GOODBYE_GRACE_MS)) {
        log('goodbye from %s (%s)', info.id, from);
        this.c.later(GOODBYE_GRACE_MS, () => this.table.expire());
      }
      return;
    }
    if (!this.table.upsert(info, ttlSec * 1000)) {
      this.limitedWarn(`peer table full or ${info.address} holds its share: ignored peer ${info.id} from ${from}`);
    }
  }

  /** At most one such warning per RATE_LIMITED_WARN_MS, saying how many were held back. */
  private limitedWarn(msg: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < RATE_LIMITED_WARN_MS) {
      this.heldBack++;
      log('%s', msg);
      return;
    }
    const more = this.heldBack > 0 ? ` (and ${this.heldBack} like it before)` : '';
    this.lastWarnAt = now;
    this.heldBack = 0;
    this.c.warn(`${msg}${more}`);
  }
}
