import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { ContextModule } from '../module.js';
import { walletProjection } from './wallet.projection.js';
import { walletCommands } from './walletCommands.js';
import { walletQueries } from './walletQueries.js';

/** The wallet: credits, reservations and captures on `wallet-{userId}`, and its read models. */
export function createWalletModule(deps: { handler: HandlerDeps; reads: ReadView }) {
  return {
    ...walletCommands(deps.handler),
    ...walletQueries(deps.reads),
    projections: [walletProjection],
  } satisfies ContextModule & Record<string, unknown>;
}

export type WalletModule = ReturnType<typeof createWalletModule>;
