import { describe, expect, it } from '@jest/globals';
import {
  availablePaise, captureReservation, credit, debit, evolve, initialWallet, InsufficientFunds, releaseReservation, reserve,
  ReservationNotCapturable, type Wallet, type WalletEvent,
} from '../../../src/domain/wallet/wallet.js';

const userId = 'patient-1';
const now = '2030-01-07T04:00:00.000Z';
const later = '2030-01-07T04:15:00.000Z';
const earlier = '2030-01-07T03:45:00.000Z';

const credited = (creditId: string, amountPaise: number, reason: 'topup' | 'refund' = 'topup'): WalletEvent =>
  ({ type: 'WalletCredited', data: { userId, creditId, amountPaise, reason, paymentId: null } });
const reserved = (reservationId: string, amountPaise: number, expiresAt = later): WalletEvent =>
  ({ type: 'WalletFundsReserved', data: { userId, reservationId, amountPaise, expiresAt, paymentId: reservationId } });
const captured = (reservationId: string, amountPaise: number): WalletEvent =>
  ({ type: 'WalletReservationCaptured', data: { userId, reservationId, amountPaise } });
const debited = (reservationId: string, amountPaise: number): WalletEvent =>
  ({ type: 'WalletDebited', data: { userId, reservationId, amountPaise, paymentId: reservationId } });
const released = (reservationId: string, amountPaise: number, reason: 'payment_failed' | 'hold_expired' | 'reservation_lapsed'): WalletEvent =>
  ({ type: 'WalletReservationReleased', data: { userId, reservationId, amountPaise, reason } });

const given = (events: WalletEvent[]): Wallet => events.reduce(evolve, initialWallet);

describe('crediting a wallet', () => {
  it.each([
    ['a top-up to an empty wallet', [], 'c1', 5000, 'topup', [credited('c1', 5000)]],
    ['a refund', [credited('c1', 5000)], 'r1', 700, 'refund', [credited('r1', 700, 'refund')]],
    ['the same credit again', [credited('c1', 5000)], 'c1', 5000, 'topup', []],
  ] as const)('%s', (_, history, creditId, amountPaise, reason, then) => {
    expect(credit(given([...history]), { userId, creditId, amountPaise, reason, paymentId: null })).toEqual(then);
  });

  it.each([[0], [-5], [1.5]])('refuses an amount of %p paise', (amountPaise) => {
    expect(() => credit(initialWallet, { userId, creditId: 'c', amountPaise, reason: 'topup', paymentId: null })).toThrow('positive');
  });
});

describe('reserving funds', () => {
  const cmd = (reservationId: string, amountPaise: number) => ({ userId, reservationId, paymentId: reservationId, amountPaise, expiresAt: later, now });

  it.each([
    ['within the available balance', [credited('c1', 5000)], cmd('p1', 5000), [reserved('p1', 5000)]],
    ['the same reservation again', [credited('c1', 5000), reserved('p1', 3000)], cmd('p1', 3000), []],
    ['after a lapsed reservation frees its funds', [credited('c1', 5000), reserved('p0', 4000, earlier)], cmd('p1', 3000),
      [released('p0', 4000, 'reservation_lapsed'), reserved('p1', 3000)]],
  ])('%s', (_, history, when, then) => expect(reserve(given(history), when)).toEqual(then));

  it.each([
    ['an empty wallet', [], cmd('p1', 1)],
    ['funds already reserved', [credited('c1', 5000), reserved('p0', 3000)], cmd('p1', 2001)],
    ['funds already spent', [credited('c1', 5000), reserved('p0', 3000), captured('p0', 3000), debited('p0', 3000)], cmd('p1', 2001)],
  ])('refuses with insufficient funds: %s', (_, history, when) => {
    expect(() => reserve(given(history), when)).toThrow(InsufficientFunds);
  });
});

describe('capturing and releasing a reservation', () => {
  const wallet = [credited('c1', 5000), reserved('p1', 3000)];

  it('capturing debits the balance once', () => {
    expect(captureReservation(given(wallet), { userId, reservationId: 'p1', now })).toEqual([captured('p1', 3000), debited('p1', 3000)]);
    expect(captureReservation(given([...wallet, captured('p1', 3000), debited('p1', 3000)]), { userId, reservationId: 'p1', now })).toEqual([]);
  });

  it.each([
    ['a missing reservation', [credited('c1', 5000)], now],
    ['a released reservation', [...wallet, released('p1', 3000, 'hold_expired')], now],
    ['a lapsed reservation', wallet, later],
  ])('refuses to capture %s', (_, history, at) => {
    expect(() => captureReservation(given(history), { userId, reservationId: 'p1', now: at })).toThrow(ReservationNotCapturable);
  });

  it.each([
    ['a held reservation', wallet, [released('p1', 3000, 'payment_failed')]],
    ['a released reservation (no-op)', [...wallet, released('p1', 3000, 'hold_expired')], []],
    ['a captured reservation (no-op: the money was spent)', [...wallet, captured('p1', 3000), debited('p1', 3000)], []],
    ['a missing reservation (no-op)', [credited('c1', 5000)], []],
  ])('releasing %s', (_, history, then) => {
    expect(releaseReservation(given(history), { userId, reservationId: 'p1', reason: 'payment_failed' })).toEqual(then);
  });
});

describe('paying from the wallet alone', () => {
  const cmd = { userId, reservationId: 'p1', paymentId: 'p1', amountPaise: 3000, now };

  it('reserves and captures in one decision', () => {
    expect(debit(given([credited('c1', 5000)]), cmd)).toEqual([
      reserved('p1', 3000, now), captured('p1', 3000), debited('p1', 3000),
    ]);
  });

  it('is a no-op when retried', () => {
    const history = [credited('c1', 5000), ...debit(given([credited('c1', 5000)]), cmd)];
    expect(debit(given(history), cmd)).toEqual([]);
    expect(availablePaise(given(history))).toBe(2000);
  });

  it('refuses with insufficient funds and decides nothing', () => {
    expect(() => debit(given([credited('c1', 2999)]), cmd)).toThrow(InsufficientFunds);
  });
});
