import type { ContextModule } from '../module.js';
import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { doctorDirectoryProjection } from './doctorDirectory.projection.js';
import { doctorQueries } from './doctorQueries.js';
import { publishAvailability } from './publishAvailability.js';
import { slotBoardProjection } from './slotBoard.projection.js';
import { slotQueries } from './slotQueries.js';
import { withdrawSlot } from './withdrawSlot.js';

export interface SchedulingDeps {
  handler: HandlerDeps;
  reads: ReadView;
  /** A slot starting sooner than this cannot be booked (MIN_NOTICE_MINUTES), so the board does not offer it. */
  minNoticeMinutes: number;
}

/** Doctors' availability and the slot board: what can be booked, by whom, when. */
export function createSchedulingModule(deps: SchedulingDeps) {
  return {
    publishAvailability: publishAvailability(deps),
    withdrawSlot: withdrawSlot(deps),
    doctors: doctorQueries(deps.reads),
    slots: slotQueries(deps.reads, deps.handler.clock, deps.minNoticeMinutes),
    projections: [doctorDirectoryProjection, slotBoardProjection],
  } satisfies ContextModule & Record<string, unknown>;
}

export type SchedulingModule = ReturnType<typeof createSchedulingModule>;
