import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DomainError } from '../../../src/domain/shared/errors.js';
import {
  availablePaise, captureReservation, credit, debit, evolve, initialWallet, releaseReservation, reserve, type Wallet, type WalletEvent,
} from '../../../src/domain/wallet/wallet.js';

const userId = 'patient-1';
const base = Date.parse('2030-01-07T04:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

type Op =
  | { op: 'topup'; id: number; amount: number }
  | { op: 'refund'; id: number; amount: number }
  | { op: 'reserve'; id: number; amount: number; ttl: number }
  | { op: 'pay'; id: number; amount: number }
  | { op: 'capture'; id: number }
  | { op: 'release'; id: number }
  | { op: 'tick'; minutes: number };

const id = fc.integer({ min: 0, max: 5 });
const amount = fc.integer({ min: 1, max: 10_000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('topup' as const), id, amount }),
  fc.record({ op: fc.constant('refund' as const), id, amount }),
  fc.record({ op: fc.constant('reserve' as const), id, amount, ttl: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ op: fc.constant('pay' as const), id, amount }),
  fc.record({ op: fc.constant('capture' as const), id }),
  fc.record({ op: fc.constant('release' as const), id }),
  fc.record({ op: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 20 }) }),
);

function decide(w: Wallet, o: Op, minute: number): WalletEvent[] {
  const now = at(minute);
  switch (o.op) {
    case 'topup': return credit(w, { userId, creditId: `topup-${o.id}`, amountPaise: o.amount, reason: 'topup', paymentId: null });
    case 'refund': return credit(w, { userId, creditId: `refund-${o.id}`, amountPaise: o.amount, reason: 'refund', paymentId: null });
    case 'reserve': return reserve(w, { userId, reservationId: `r-${o.id}`, paymentId: `r-${o.id}`, amountPaise: o.amount, expiresAt: at(minute + o.ttl), now });
    case 'pay': return debit(w, { userId, reservationId: `w-${o.id}`, paymentId: `w-${o.id}`, amountPaise: o.amount, now });
    case 'capture': return captureReservation(w, { userId, reservationId: `r-${o.id}`, now });
    case 'release': return releaseReservation(w, { userId, reservationId: `r-${o.id}`, reason: 'payment_failed' });
    case 'tick': return [];
  }
}

describe('the wallet under any interleaving of top-ups, reservations, captures, releases and refunds', () => {
  it('keeps balance = credits − debits, available ≥ 0, and debits only what a capture took', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      let wallet = initialWallet;
      let minute = 0;
      const history: WalletEvent[] = [];
      for (const o of ops) {
        if (o.op === 'tick') minute += o.minutes;
        let events: WalletEvent[] = [];
        try {
          events = decide(wallet, o, minute);
        } catch (error) {
          // A refusal is a legitimate answer; it must come as a domain error and change nothing.
          expect(error).toBeInstanceOf(DomainError);
        }
        wallet = events.reduce(evolve, wallet);
        history.push(...events);

        const credits = history.filter((e) => e.type === 'WalletCredited').reduce((s, e) => s + e.data.amountPaise, 0);
        const debits = history.filter((e) => e.type === 'WalletDebited').reduce((s, e) => s + e.data.amountPaise, 0);
        expect(wallet.balancePaise).toBe(credits - debits);
        expect(wallet.reservedPaise).toBeGreaterThanOrEqual(0);
        expect(availablePaise(wallet)).toBeGreaterThanOrEqual(0);
      }
      const capturedAt = new Map<string, number>();
      history.forEach((e, index) => {
        if (e.type === 'WalletReservationCaptured') {
          expect(capturedAt.has(e.data.reservationId)).toBe(false);
          capturedAt.set(e.data.reservationId, index);
        }
      });
      const debitedOnce = new Set<string>();
      history.forEach((e, index) => {
        if (e.type !== 'WalletDebited') return;
        const captureIndex = capturedAt.get(e.data.reservationId);
        expect(captureIndex).toBeDefined();
        expect(captureIndex!).toBeLessThan(index);
        const capture = history[captureIndex!];
        expect(capture.type === 'WalletReservationCaptured' && capture.data.amountPaise).toBe(e.data.amountPaise);
        expect(debitedOnce.has(e.data.reservationId)).toBe(false);
        debitedOnce.add(e.data.reservationId);
      });
      const reservedNow = Object.values(wallet.reservations).filter((r) => r.status === 'held').reduce((s, r) => s + r.amountPaise, 0);
      expect(wallet.reservedPaise).toBe(reservedNow);
    }), { numRuns: 300 });
  });
});
