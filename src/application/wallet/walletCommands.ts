import {
  captureReservation, credit, debit, releaseReservation, reserve, walletDecider,
  type CaptureReservation, type CreditWallet, type DebitWallet, type ReleaseReservation, type ReserveFunds,
} from '../../domain/wallet/wallet.js';
import { handle, type CommandContext, type HandlerDeps } from '../eventSourcing/commandHandler.js';

export const walletStream = (userId: string): string => `wallet-${userId}`;

/**
 * Every wallet change is one decision on `wallet-{userId}` appended at the revision it was decided on,
 * so two payments racing for the same rupees cannot both win.
 */
export function walletCommands(deps: HandlerDeps) {
  const now = () => deps.clock.now().toISOString();
  return {
    credit: (cmd: CreditWallet, ctx: CommandContext) =>
      handle(deps, walletStream(cmd.userId), walletDecider, (w) => credit(w, cmd), ctx),
    reserve: (cmd: Omit<ReserveFunds, 'now'>, ctx: CommandContext) =>
      handle(deps, walletStream(cmd.userId), walletDecider, (w) => reserve(w, { ...cmd, now: now() }), ctx),
    capture: (cmd: Omit<CaptureReservation, 'now'>, ctx: CommandContext) =>
      handle(deps, walletStream(cmd.userId), walletDecider, (w) => captureReservation(w, { ...cmd, now: now() }), ctx),
    release: (cmd: ReleaseReservation, ctx: CommandContext) =>
      handle(deps, walletStream(cmd.userId), walletDecider, (w) => releaseReservation(w, cmd), ctx),
    debit: (cmd: Omit<DebitWallet, 'now'>, ctx: CommandContext) =>
      handle(deps, walletStream(cmd.userId), walletDecider, (w) => debit(w, { ...cmd, now: now() }), ctx),
  };
}

export type WalletCommands = ReturnType<typeof walletCommands>;
