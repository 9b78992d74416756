// The push service (T+2, T+3) in the shape the peer's service list wants: PushService binds both ports
// in its static start, so this holds the init until start() and the running service after.
import { LanmeshError } from '../errors.js';
import { PushService, type PushServiceInit, type PushStart } from '../push/push-service.js';
import type { PeerId } from '../types.js';
import type { Service } from '../lifecycle.js';

export class PushStarter implements Service {
  readonly name = 'push';
  private svc: PushService | undefined;

  /** `ready` gets the running service before anything can use it (the peer forwards its events). */
  constructor(
    private readonly init: PushServiceInit,
    private readonly ready: (svc: PushService) => void,
  ) {}

  async start(): Promise<void> {
    if (this.svc) return;
    const svc = await PushService.start(this.init);
    this.ready(svc);
    this.svc = svc;
  }

  async stop(): Promise<void> {
    const s = this.svc;
    this.svc = undefined;
    await s?.close();
  }

  get ports(): { distributor: number; distributee: number } {
    return this.running().ports;
  }

  distribute(query: string, to?: string[]): PushStart {
    return this.running().distribute(query, to);
  }

  peerDown(peer: PeerId): void {
    this.svc?.peerDown(peer);
  }

  private running(): PushService {
    if (!this.svc) throw new LanmeshError('IO', 'the push service is not running');
    return this.svc;
  }
}
