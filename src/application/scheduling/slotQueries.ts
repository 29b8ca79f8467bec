import { earliestBookableStart } from '../../domain/scheduling/slot.js';
import type { Clock } from '../ports/clock.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { SLOTS, type SlotBoardStatus, type SlotDoc } from './slotBoard.projection.js';

/** The contract's slot: the board's row without its bookkeeping fields. */
export type SlotView = Pick<SlotDoc, 'slotId' | 'doctorId' | 'start' | 'end' | 'feePaise' | 'status'>;

/** A lapsed hold no longer blocks booking, so the board shows it as available before the job runs. */
function statusAt(doc: SlotDoc, now: string): SlotBoardStatus {
  return doc.status === 'held' && doc.holdExpiresAt !== null && doc.holdExpiresAt <= now ? 'available' : doc.status;
}

/**
 * The board agrees with the booking rule: a slot starting sooner than the minimum notice cannot be
 * booked, so it is not offered as available; held and booked ones stay listed as they are.
 */
const offered = (slot: SlotView, bookableFrom: string): boolean => slot.status !== 'available' || slot.start >= bookableFrom;

const DEFAULT_RANGE_MS = 30 * 24 * 3_600_000;
const MAX_SLOTS = 1000;

export function slotQueries(reads: ReadView, clock: Clock, minNoticeMinutes: number) {
  return {
    async list(doctorId: string, range: { from?: string; to?: string; status?: SlotBoardStatus }): Promise<SlotView[]> {
      const nowMs = clock.now().getTime();
      const from = range.from ?? new Date(nowMs).toISOString();
      const to = range.to ?? new Date(Date.parse(from) + DEFAULT_RANGE_MS).toISOString();
      const now = new Date(nowMs).toISOString();
      const bookableFrom = earliestBookableStart(new Date(nowMs), minNoticeMinutes);
      const docs = await reads.find<SlotDoc>(SLOTS, { doctorId, start: { $gte: from, $lt: to } }, { sort: { start: 1 }, limit: MAX_SLOTS });
      return docs
        .map((d): SlotView => ({ slotId: d.slotId, doctorId: d.doctorId, start: d.start, end: d.end, feePaise: d.feePaise, status: statusAt(d, now) }))
        .filter((s) => offered(s, bookableFrom) && (!range.status || s.status === range.status));
    },
  };
}
