import { walletEventTypes, type WalletEvent } from '../../domain/wallet/wallet.js';
import type { Projection, ReadView } from '../eventSourcing/projection.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { Document, Write } from '../ports/readStore.js';

export const WALLETS = 'wallets';
export const WALLET_TRANSACTIONS = 'wallet_transactions';

export interface WalletDoc extends Document { userId: string; balancePaise: number; reservedPaise: number; availablePaise: number; updatedAt: string }

export type TransactionKind = 'credit' | 'debit' | 'reservation' | 'release';

export interface WalletTransactionDoc extends Document {
  userId: string;
  kind: TransactionKind;
  reason: string | null;
  amountPaise: number;
  paymentId: string | null;
  at: string;
  position: number;
  visible: boolean;
}

const reservationLine = (userId: string, reservationId: string) => `reservation:${userId}:${reservationId}`;

/**
 * Balances per user and a ledger of what moved: credits, debits, and reservations while they are held
 * or after they were released (a captured reservation's line gives way to its debit).
 */
export const walletProjection: Projection = {
  name: 'wallets',
  collections: [
    { name: WALLETS },
    { name: WALLET_TRANSACTIONS, indexes: [{ fields: ['userId', 'position'] }] },
  ],
  handles: walletEventTypes,
  async apply(recorded: RecordedEvent, read: ReadView): Promise<Write[]> {
    const event = { type: recorded.type, data: recorded.data } as WalletEvent;
    const { userId } = event.data;
    const current = await read.get<WalletDoc>(WALLETS, userId);
    let balance = current?.balancePaise ?? 0;
    let reserved = current?.reservedPaise ?? 0;
    let line: Omit<WalletTransactionDoc, 'id' | 'userId' | 'at' | 'position' | 'visible'> | null = null;
    let lineId = recorded.metadata.eventId;
    const extra: Write[] = [];
    switch (event.type) {
      case 'WalletCredited':
        balance += event.data.amountPaise;
        line = { kind: 'credit', reason: event.data.reason, amountPaise: event.data.amountPaise, paymentId: event.data.paymentId };
        break;
      case 'WalletFundsReserved':
        reserved += event.data.amountPaise;
        line = { kind: 'reservation', reason: null, amountPaise: event.data.amountPaise, paymentId: event.data.paymentId };
        lineId = reservationLine(userId, event.data.reservationId);
        break;
      case 'WalletReservationCaptured':
        reserved -= event.data.amountPaise;
        // The debit line (same append) says it all; the hold it came from is no longer news. Hidden,
        // not deleted: the position guard then keeps a replayed reservation from reappearing.
        extra.push({ collection: WALLET_TRANSACTIONS, id: reservationLine(userId, event.data.reservationId), set: { visible: false } });
        break;
      case 'WalletDebited':
        balance -= event.data.amountPaise;
        line = { kind: 'debit', reason: 'payment', amountPaise: event.data.amountPaise, paymentId: event.data.paymentId };
        break;
      case 'WalletReservationReleased':
        reserved -= event.data.amountPaise;
        line = { kind: 'release', reason: event.data.reason, amountPaise: event.data.amountPaise, paymentId: null };
        break;
    }
    const at = recorded.metadata.recordedAt;
    const writes: Write[] = [{
      collection: WALLETS, id: userId,
      set: { userId, balancePaise: balance, reservedPaise: reserved, availablePaise: balance - reserved, updatedAt: at },
    }];
    if (line) {
      writes.push({ collection: WALLET_TRANSACTIONS, id: lineId, set: { ...line, userId, at, position: recorded.position, visible: true } });
    }
    return [...writes, ...extra];
  },
};
