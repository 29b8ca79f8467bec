import type { ReadView } from '../eventSourcing/projection.js';
import { WALLET_TRANSACTIONS, WALLETS, type WalletDoc, type WalletTransactionDoc } from './wallet.projection.js';

export const TRANSACTIONS_PAGE_SIZE = 20;

export interface WalletView { balancePaise: number; reservedPaise: number; availablePaise: number }

export function walletQueries(reads: ReadView) {
  return {
    async wallet(userId: string): Promise<WalletView> {
      const doc = await reads.get<WalletDoc>(WALLETS, userId);
      return { balancePaise: doc?.balancePaise ?? 0, reservedPaise: doc?.reservedPaise ?? 0, availablePaise: doc?.availablePaise ?? 0 };
    },
    /** Newest first, `page` from 1, `limit` a page (20 unless asked), with the total. */
    async transactions(userId: string, page: number, limit: number = TRANSACTIONS_PAGE_SIZE) {
      const filter = { userId, visible: true };
      const [docs, total] = await Promise.all([
        reads.find<WalletTransactionDoc>(WALLET_TRANSACTIONS, filter, { sort: { position: -1 }, skip: (page - 1) * limit, limit }),
        reads.count(WALLET_TRANSACTIONS, filter),
      ]);
      const items = docs.map((d) => ({ transactionId: d.id, kind: d.kind, reason: d.reason, amountPaise: d.amountPaise, paymentId: d.paymentId, at: d.at }));
      return { items, page, total };
    },
  };
}
