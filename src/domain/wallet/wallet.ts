import { DomainError, Invalid } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';

/**
 * A patient's wallet (`wallet-{userId}`). Money moves out only through a captured reservation, so
 * `available = balance − reserved` can never go below zero and every debit names its reservation.
 */
export type CreditReason = 'topup' | 'refund';
export type ReleaseReason = 'payment_failed' | 'hold_expired' | 'reservation_lapsed' | 'superseded' | 'appointment_cancelled';

export type WalletEvent =
  | { type: 'WalletCredited'; data: { userId: string; creditId: string; amountPaise: number; reason: CreditReason; paymentId: string | null } }
  | { type: 'WalletFundsReserved'; data: { userId: string; reservationId: string; amountPaise: number; expiresAt: string; paymentId: string } }
  | { type: 'WalletReservationCaptured'; data: { userId: string; reservationId: string; amountPaise: number } }
  | { type: 'WalletDebited'; data: { userId: string; reservationId: string; amountPaise: number; paymentId: string } }
  | { type: 'WalletReservationReleased'; data: { userId: string; reservationId: string; amountPaise: number; reason: ReleaseReason } };

export const walletEventTypes = [
  'WalletCredited', 'WalletFundsReserved', 'WalletReservationCaptured', 'WalletDebited', 'WalletReservationReleased',
] as const;

export interface Reservation {
  amountPaise: number;
  expiresAt: string;
  paymentId: string;
  status: 'held' | 'captured' | 'released';
}

export interface Wallet {
  balancePaise: number;
  reservedPaise: number;
  reservations: Record<string, Reservation>;
  /** Credit ids already applied: a retried top-up or refund credits once. */
  credits: Record<string, true>;
}

export const initialWallet: Wallet = { balancePaise: 0, reservedPaise: 0, reservations: {}, credits: {} };

export const availablePaise = (w: Wallet): number => w.balancePaise - w.reservedPaise;

export class InsufficientFunds extends DomainError {
  constructor(neededPaise: number, availablePaise: number) {
    super('payment_required', 'insufficient_funds', 'The wallet does not hold enough available funds.', { neededPaise, availablePaise });
  }
}

export class ReservationNotCapturable extends DomainError {
  constructor(reservationId: string, why: 'missing' | 'released' | 'lapsed') {
    super('conflict', 'reservation_not_capturable', `Wallet reservation ${reservationId} cannot be captured (${why}).`, { why });
  }
}

export function evolve(w: Wallet, event: WalletEvent): Wallet {
  switch (event.type) {
    case 'WalletCredited':
      return { ...w, balancePaise: w.balancePaise + event.data.amountPaise, credits: { ...w.credits, [event.data.creditId]: true } };
    case 'WalletFundsReserved': {
      const { reservationId, amountPaise, expiresAt, paymentId } = event.data;
      return {
        ...w,
        reservedPaise: w.reservedPaise + amountPaise,
        reservations: { ...w.reservations, [reservationId]: { amountPaise, expiresAt, paymentId, status: 'held' } },
      };
    }
    case 'WalletReservationCaptured':
      return withReservation({ ...w, reservedPaise: w.reservedPaise - event.data.amountPaise }, event.data.reservationId, 'captured');
    case 'WalletDebited':
      return { ...w, balancePaise: w.balancePaise - event.data.amountPaise };
    case 'WalletReservationReleased':
      return withReservation({ ...w, reservedPaise: w.reservedPaise - event.data.amountPaise }, event.data.reservationId, 'released');
  }
}

function withReservation(w: Wallet, id: string, status: Reservation['status']): Wallet {
  return { ...w, reservations: { ...w.reservations, [id]: { ...w.reservations[id], status } } };
}

/**
 * A wallet gains an event per top-up, reservation, capture and release for as long as the patient
 * stays: commands fold from a snapshot. The state is plain JSON (records of strings and numbers) and
 * holds no personal field the event store seals. Bump `schema` whenever `Wallet` or `evolve` changes.
 */
export const walletDecider: Decider<Wallet, WalletEvent> = { initialState: initialWallet, evolve, snapshot: { every: 100, schema: 1 } };

export interface CreditWallet { userId: string; creditId: string; amountPaise: number; reason: CreditReason; paymentId: string | null }
export interface ReserveFunds { userId: string; reservationId: string; paymentId: string; amountPaise: number; expiresAt: string; now: string }
export interface CaptureReservation { userId: string; reservationId: string; now: string }
export interface ReleaseReservation { userId: string; reservationId: string; reason: ReleaseReason }
export interface DebitWallet { userId: string; reservationId: string; paymentId: string; amountPaise: number; now: string }

function positive(amountPaise: number): void {
  if (!Number.isSafeInteger(amountPaise) || amountPaise <= 0) throw new Invalid('invalid_amount', 'An amount must be a positive whole number of paise.');
}

export function credit(w: Wallet, cmd: CreditWallet): WalletEvent[] {
  positive(cmd.amountPaise);
  if (w.credits[cmd.creditId]) return [];
  return [{ type: 'WalletCredited', data: { userId: cmd.userId, creditId: cmd.creditId, amountPaise: cmd.amountPaise, reason: cmd.reason, paymentId: cmd.paymentId } }];
}

/** Reservations past their expiry free their funds before anything new is decided. */
function lapsed(w: Wallet, userId: string, now: string): WalletEvent[] {
  return Object.entries(w.reservations)
    .filter(([, r]) => r.status === 'held' && r.expiresAt <= now)
    .map(([reservationId, r]): WalletEvent => ({
      type: 'WalletReservationReleased', data: { userId, reservationId, amountPaise: r.amountPaise, reason: 'reservation_lapsed' },
    }));
}

function fold(w: Wallet, events: WalletEvent[]): Wallet {
  return events.reduce(evolve, w);
}

export function reserve(w: Wallet, cmd: ReserveFunds): WalletEvent[] {
  positive(cmd.amountPaise);
  if (w.reservations[cmd.reservationId]) return [];
  if (cmd.expiresAt <= cmd.now) throw new Invalid('reservation_expired', 'A reservation must expire in the future.');
  const freed = lapsed(w, cmd.userId, cmd.now);
  const after = fold(w, freed);
  if (availablePaise(after) < cmd.amountPaise) throw new InsufficientFunds(cmd.amountPaise, availablePaise(after));
  return [...freed, {
    type: 'WalletFundsReserved',
    data: { userId: cmd.userId, reservationId: cmd.reservationId, amountPaise: cmd.amountPaise, expiresAt: cmd.expiresAt, paymentId: cmd.paymentId },
  }];
}

export function captureReservation(w: Wallet, cmd: CaptureReservation): WalletEvent[] {
  const r = w.reservations[cmd.reservationId];
  if (!r) throw new ReservationNotCapturable(cmd.reservationId, 'missing');
  if (r.status === 'captured') return [];
  if (r.status === 'released') throw new ReservationNotCapturable(cmd.reservationId, 'released');
  if (r.expiresAt <= cmd.now) throw new ReservationNotCapturable(cmd.reservationId, 'lapsed');
  return [
    { type: 'WalletReservationCaptured', data: { userId: cmd.userId, reservationId: cmd.reservationId, amountPaise: r.amountPaise } },
    { type: 'WalletDebited', data: { userId: cmd.userId, reservationId: cmd.reservationId, amountPaise: r.amountPaise, paymentId: r.paymentId } },
  ];
}

export function releaseReservation(w: Wallet, cmd: ReleaseReservation): WalletEvent[] {
  const r = w.reservations[cmd.reservationId];
  if (!r || r.status !== 'held') return [];
  return [{ type: 'WalletReservationReleased', data: { userId: cmd.userId, reservationId: cmd.reservationId, amountPaise: r.amountPaise, reason: cmd.reason } }];
}

/** Paying from the wallet alone: reserve and capture in one decision, so both land in one append. */
export function debit(w: Wallet, cmd: DebitWallet): WalletEvent[] {
  positive(cmd.amountPaise);
  const existing = w.reservations[cmd.reservationId];
  if (existing?.status === 'captured') return [];
  if (existing) return captureReservation(w, cmd);
  const freed = lapsed(w, cmd.userId, cmd.now);
  const after = fold(w, freed);
  if (availablePaise(after) < cmd.amountPaise) throw new InsufficientFunds(cmd.amountPaise, availablePaise(after));
  const { userId, reservationId, paymentId, amountPaise } = cmd;
  return [
    ...freed,
    // The reservation is captured in the same append, so its expiry is the decision's own instant.
    { type: 'WalletFundsReserved', data: { userId, reservationId, amountPaise, expiresAt: cmd.now, paymentId } },
    { type: 'WalletReservationCaptured', data: { userId, reservationId, amountPaise } },
    { type: 'WalletDebited', data: { userId, reservationId, amountPaise, paymentId } },
  ];
}
