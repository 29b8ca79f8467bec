import type { EventStore } from '../../src/application/ports/eventStore.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` passes or `timeoutMs` of real time has gone by (reactors and jobs run on their own). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(everyMs);
    }
  }
}

/**
 * Waits (at most 20 polls of 20 ms) until the event store's head stops moving, so the reactors set
 * going by one request do not have their events blamed on the next.
 */
export async function untilQuiet(events: Pick<EventStore, 'headPosition'>): Promise<void> {
  let before = await events.headPosition();
  for (let i = 0; i < 20; i += 1) {
    await sleep(20);
    const now = await events.headPosition();
    if (now === before) return;
    before = now;
  }
}
