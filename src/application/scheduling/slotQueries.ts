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

/**
 * The board statuses a document may have for each status asked for, so the store filters before the
 * limit (a doctor's many booked slots must not push the available ones past it): an available slot
 * may still be recorded as held, its hold lapsed.
 */
const STORED_AS: Record<SlotBoardStatus, SlotBoardStatus[]> = { available: ['available', 'held'], held: ['held'], booked: ['booked'] };

export function slotQueries(reads: ReadView, clock: Clock, minNoticeMinutes: number) {
  return {
    async list(doctorId: string, range: { from?: string; to?: string; status?: SlotBoardStatus }): Promise<SlotView[]> {
      const nowMs = clock.now().getTime();
      const from = range.from ?? new Date(nowMs).toISOString();
      const to = range.to ?? new Date(Date.parse(from) + DEFAULT_RANGE_MS).toISOString();
      const now = new Date(nowMs).toISOString();
      const bookableFrom = earliestBookableStart(new Date(nowMs), minNoticeMinutes);
      // Available slots start no sooner than the notice allows; asking for them skips the earlier ones in the store.
      const start = range.status === 'available' && bookableFrom > from ? bookableFrom : from;
      const filter = { doctorId, start: { $gte: start, $lt: to }, ...(range.status ? { status: { $in: STORED_AS[range.status] } } : {}) };
      const docs = await reads.find<SlotDoc>(SLOTS, filter, { sort: { start: 1 }, limit: MAX_SLOTS });
      return docs
        .map((d): SlotView => ({ slotId: d.slotId, doctorId: d.doctorId, start: d.start, end: d.end, feePaise: d.feePaise, status: statusAt(d, now) }))
        .filter((s) => offered(s, bookableFrom) && (!range.status || s.status === range.status));
    },
  };
}
