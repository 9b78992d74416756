// Startable services and their ordered start with rollback (the js-libp2p shape): start in list order;
// when one fails, the ones already started stop in reverse before the error goes on; stop in reverse.
import { describeError } from './errors.js';

export interface Service {
  /** For errors and logs: "sender", "mdns", … */
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * Starts `services` one after the other and returns them (the ones to stop later). When a start
 * fails, every service started before it is stopped in reverse order (their stop errors go to
 * `onStopError`), and the start error is rethrown unchanged.
 */
export async function startAll(services: readonly Service[], onStopError: (msg: string) => void = () => {}): Promise<Service[]> {
  const started: Service[] = [];
  for (const s of services) {
    try {
      await s.start();
    } catch (err) {
      await stopAll(started, onStopError);
      throw err;
    }
    started.push(s);
  }
  return started;
}

/** Stops in reverse order; a failing stop is reported and the next one still runs. */
export async function stopAll(started: readonly Service[], onError: (msg: string) => void = () => {}): Promise<void> {
  for (const s of [...started].reverse()) {
    try {
      await s.stop();
    } catch (err) {
      onError(`stop ${s.name}: ${describeError(err)}`);
    }
  }
}

/** A service made of two functions (most of the peer's are one line each). */
export function service(name: string, start: () => Promise<void> | void, stop: () => Promise<void> | void = () => {}): Service {
  return { name, start, stop };
}
