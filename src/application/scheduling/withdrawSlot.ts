import { slotDecider, slotStream, withdrawSlot as decideWithdrawal } from '../../domain/scheduling/slot.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';

/** A doctor takes one of their free slots off the board (409 while held or booked). */
export function withdrawSlot(deps: { handler: HandlerDeps }) {
  return async (slotId: string, ctx: CommandContext): Promise<{ position: number }> => {
    const now = deps.handler.clock.now().toISOString();
    const result = await handle(deps.handler, slotStream(slotId), slotDecider,
      (slot) => decideWithdrawal(slot, { slotId, doctorId: ctx.actor.userId, now }), ctx);
    return { position: result.position };
  };
}
