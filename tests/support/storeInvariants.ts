import stableStringify from 'safe-stable-stringify';
import { ProjectionRunner } from '../../src/application/eventSourcing/projectionRunner.js';
import type { EventStore, RecordedEvent } from '../../src/application/ports/eventStore.js';
import type { ExistingAppointment, AppointmentEvent } from '../../src/domain/appointments/appointment.js';
import { appointmentDecider } from '../../src/domain/appointments/appointment.js';
import type { GatewayNotice } from '../../src/domain/payments/gatewayWebhook.js';
import { paymentDecider, type PaymentEvent, type PaymentRecord } from '../../src/domain/payments/payment.js';
import { slotDecider, type Slot, type SlotEvent } from '../../src/domain/scheduling/slot.js';
import { fold, type DomainEvent } from '../../src/domain/shared/event.js';
import { walletDecider, type Wallet, type WalletEvent } from '../../src/domain/wallet/wallet.js';
import type { Services } from '../../src/infrastructure/compositionRoot.js';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';
import { SqliteReadStore } from '../../src/infrastructure/readStore/sqliteReadStore.js';
import { contextModules } from './serviceModules.js';

/*
 * The invariants of the booking saga and of money, judged from what the service recorded (its event
 * store), so any way of driving it — in-process, two processes, a restart in between — is checked the
 * same. Each check answers the violations it found as sentences, empty when all is well.
 */

/** A reactor's event set aside for a person (the dead-letter facility), when the service has one. */
export interface ParkedEvent { reactor: string; eventId: string; reason: string }

type Folded<S> = { state: S; events: RecordedEvent[] };

export interface StoreFacts {
  head: number;
  slots: Map<string, Folded<Slot>>;
  appointments: Map<string, Folded<ExistingAppointment>>;
  payments: Map<string, Folded<PaymentRecord>>;
  wallets: Map<string, Folded<Wallet>>;
  /** Users whose e-mail address is verified, by id. */
  verifiedUsers: Set<string>;
  /** What the gateway told us by webhook (the simulator reports each refund it makes this way too). */
  gatewayNotices: GatewayNotice[];
}

const as = <E extends DomainEvent>(events: RecordedEvent[]) => events as unknown as E[];

export async function readAllEvents(events: Pick<EventStore, 'readAll'>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const page = await events.readAll({ fromPosition: all.at(-1)?.position ?? 0, maxCount: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

export async function readFacts(events: Pick<EventStore, 'readAll'>): Promise<StoreFacts> {
  const streams = new Map<string, RecordedEvent[]>();
  const history = await readAllEvents(events);
  for (const e of history) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
  const facts: StoreFacts = {
    head: history.at(-1)?.position ?? 0,
    slots: new Map(), appointments: new Map(), payments: new Map(), wallets: new Map(), verifiedUsers: new Set(), gatewayNotices: [],
  };
  for (const [streamId, stream] of streams) {
    const id = streamId.slice(streamId.indexOf('-') + 1);
    if (streamId.startsWith('slot-')) {
      facts.slots.set(id, { state: fold(slotDecider, as<SlotEvent>(stream)), events: stream });
    } else if (streamId.startsWith('appointment-')) {
      const state = fold(appointmentDecider, as<AppointmentEvent>(stream));
      if (state.status !== 'none') facts.appointments.set(id, { state, events: stream });
    } else if (streamId.startsWith('payment-')) {
      const state = fold(paymentDecider, as<PaymentEvent>(stream));
      if (state.status !== 'none') facts.payments.set(id, { state, events: stream });
    } else if (streamId.startsWith('wallet-')) {
      facts.wallets.set(id, { state: fold(walletDecider, as<WalletEvent>(stream)), events: stream });
    } else if (streamId.startsWith('user-')) {
      if (stream.some((e) => e.type === 'EmailVerified')) facts.verifiedUsers.add(id);
    } else if (streamId.startsWith('gateway-webhook-')) {
      for (const e of stream) if (e.type === 'GatewayWebhookReceived') facts.gatewayNotices.push((e.data as { notice: GatewayNotice }).notice);
    }
  }
  return facts;
}

/** Statuses in which an appointment has bought its slot for good. */
const HOLDS_A_BOOKING = new Set(['confirmed', 'completed', 'missed']);

const liveHold = (slot: Slot, now: string): slot is Extract<Slot, { status: 'held' }> => slot.status === 'held' && now < slot.expiresAt;

/**
 * Every confirmed (or concluded) appointment owns exactly one booked slot, its own; an unpaid one at most
 * holds its own slot; an expired or cancelled one owns none; no slot is booked for an appointment that
 * does not own it; no two appointments share a slot. A live hold left by a step that did not finish (a
 * reschedule or a booking cut short) is tolerated: it lapses by itself and blocks no one for longer.
 */
export function slotViolations(facts: StoreFacts, now: string): string[] {
  const violations: string[] = [];
  const owned = new Map<string, Array<{ slotId: string; how: 'booked' | 'held' }>>();
  for (const [slotId, { state }] of facts.slots) {
    if (state.status !== 'booked' && !liveHold(state, now)) continue;
    const how = state.status === 'booked' ? 'booked' : 'held';
    owned.set(state.appointmentId, [...(owned.get(state.appointmentId) ?? []), { slotId, how }]);
    if (how === 'booked' && !facts.appointments.has(state.appointmentId)) violations.push(`slot ${slotId} is booked for appointment ${state.appointmentId}, which does not exist`);
  }
  const bySlot = new Map<string, string[]>();
  for (const [id, { state: a }] of facts.appointments) {
    const mine = owned.get(id) ?? [];
    const booked = mine.filter((m) => m.how === 'booked');
    const describe = () => (mine.length === 0 ? 'no slot' : mine.map((m) => `${m.slotId} (${m.how})`).join(', '));
    if (HOLDS_A_BOOKING.has(a.status)) {
      bySlot.set(a.slotId, [...(bySlot.get(a.slotId) ?? []), id]);
      if (booked.length !== 1 || booked[0].slotId !== a.slotId) {
        violations.push(`${a.status} appointment ${id} should own exactly one booked slot, its own ${a.slotId}; it owns ${describe()}`);
      }
    } else if (a.status === 'pending_payment') {
      if (mine.some((m) => m.slotId !== a.slotId || m.how === 'booked')) {
        violations.push(`unpaid appointment ${id} (slot ${a.slotId}) should at most hold its own slot; it owns ${describe()}`);
      }
    } else if (mine.length > 0) {
      violations.push(`${a.status} appointment ${id} still owns ${describe()}`);
    }
  }
  for (const [slotId, ids] of bySlot) if (ids.length > 1) violations.push(`slot ${slotId} belongs to ${ids.length} appointments at once: ${ids.join(', ')}`);
  return violations;
}

/**
 * Every hold that lapsed more than `graceMs` ago has been released: its slot is free again and its unpaid
 * appointment expired (the compensating job and the sweep did their work, restarts or not).
 */
export function lapsedHoldViolations(facts: StoreFacts, now: string, graceMs: number): string[] {
  const overdue = (expiresAt: string) => Date.parse(expiresAt) + graceMs < Date.parse(now);
  const violations: string[] = [];
  for (const [slotId, { state }] of facts.slots) {
    if (state.status === 'held' && overdue(state.expiresAt)) violations.push(`slot ${slotId} is still held for ${state.appointmentId}; the hold lapsed at ${state.expiresAt}`);
  }
  for (const [id, { state }] of facts.appointments) {
    if (state.status === 'pending_payment' && overdue(state.holdExpiresAt)) violations.push(`appointment ${id} is still pending payment; its hold lapsed at ${state.holdExpiresAt}`);
  }
  return violations;
}

/** No patient keeps more than `limit` unpaid holds that are still live. */
export function holdLimitViolations(facts: StoreFacts, now: string, limit = 3): string[] {
  const live = new Map<string, string[]>();
  for (const [id, { state: a }] of facts.appointments) {
    if (a.status === 'pending_payment' && now < a.holdExpiresAt) live.set(a.patientId, [...(live.get(a.patientId) ?? []), id]);
  }
  return [...live].filter(([, ids]) => ids.length > limit)
    .map(([patientId, ids]) => `patient ${patientId} holds ${ids.length} unpaid slots at once (the limit is ${limit}): appointments ${ids.join(', ')}`);
}

const ofType = <D>(events: RecordedEvent[], type: string) => events.filter((e) => e.type === type) as Array<RecordedEvent<string, D>>;

type RefundIssued = { paymentId: string; refundId: string; reason: string; amountPaise: number; toSourcePaise: number; toWalletPaise: number };
type ExtraCaptureRefunded = { paymentId: string; refundId: string; gatewayPaymentId: string; amountPaise: number };
type Credited = { creditId: string; amountPaise: number; reason: string; paymentId: string | null };
type Debited = { paymentId: string; amountPaise: number };

export interface MoneyOptions {
  now: string;
  /** Parked reactor events, or null when the service has no dead-letter facility. */
  parked: ParkedEvent[] | null;
  /** Gateway payments the test knows were captured (successful checkouts), besides those reported by webhook. */
  gatewayCaptures?: Array<{ orderId: string; gatewayPaymentId: string }>;
  /** Gateway payments the gateway itself gave back (outside the service): left out of the gateway's side. */
  refundedOutside?: ReadonlySet<string>;
}

/**
 * Money is conserved, per patient and per payment: what an appointment payment took (its gateway and
 * wallet parts) less what was refunded is exactly what its appointment keeps (the fee of a confirmed,
 * completed or missed one; the fee less the refund of a cancelled one; nothing for any other payment);
 * every refund issued reached the wallet or the gateway, or waits visibly (a refund the gateway refused,
 * a parked event); every wallet debit and credit belongs to a payment or refund; every gateway capture
 * is recorded; top-ups are credited once.
 */
export function moneyViolations(facts: StoreFacts, options: MoneyOptions): string[] {
  const violations: string[] = [];
  const parkedIds = new Set((options.parked ?? []).map((p) => p.eventId));
  const byOrder = new Map<string, PaymentRecord>();
  for (const { state } of facts.payments.values()) if (state.orderId) byOrder.set(state.orderId, state);
  const credits = (userId: string) => ofType<Credited>(facts.wallets.get(userId)?.events ?? [], 'WalletCredited').map((e) => e.data);
  const refundsById = new Map<string, { payment: PaymentRecord; refund: RefundIssued; eventId: string }>();
  const owedByGatewayPayment = new Map<string, { owed: number; waiting: boolean; what: string[] }>();
  const owe = (gatewayPaymentId: string, amount: number, what: string, waiting: boolean) => {
    const entry = owedByGatewayPayment.get(gatewayPaymentId) ?? { owed: 0, waiting: false, what: [] };
    owedByGatewayPayment.set(gatewayPaymentId, { owed: entry.owed + amount, waiting: entry.waiting || waiting, what: [...entry.what, what] });
  };
  const perPatient = new Map<string, { out: number; kept: number; refunded: number }>();

  for (const [paymentId, { state: p, events }] of facts.payments) {
    const captured = p.captured ? p.captured.gatewayPaise + p.captured.walletPaise : 0;
    const refunds = ofType<RefundIssued>(events, 'RefundIssued');
    const refused = new Set(ofType<{ refundId: string }>(events, 'RefundFailed').map((e) => e.data.refundId));
    const refunded = refunds.reduce((sum, e) => sum + e.data.amountPaise, 0);
    for (const e of refunds) {
      refundsById.set(e.data.refundId, { payment: p, refund: e.data, eventId: e.metadata.eventId });
      const waiting = refused.has(e.data.refundId) || parkedIds.has(e.metadata.eventId);
      if (e.data.toSourcePaise > 0) owe(p.gatewayPaymentId ?? `(none: payment ${paymentId})`, e.data.toSourcePaise, `refund ${e.data.refundId}`, waiting);
      if (e.data.toWalletPaise > 0) {
        const credit = credits(p.userId).find((c) => c.creditId === `refund:${e.data.refundId}`);
        if (!credit && !waiting) violations.push(`refund ${e.data.refundId} of payment ${paymentId} owes ${e.data.toWalletPaise} paise to the wallet, never credited and not waiting for anyone`);
        if (credit && credit.amountPaise !== e.data.toWalletPaise) violations.push(`refund ${e.data.refundId} credited ${credit.amountPaise} paise instead of ${e.data.toWalletPaise}`);
      }
    }
    for (const e of ofType<ExtraCaptureRefunded>(events, 'ExtraCaptureRefunded')) {
      owe(e.data.gatewayPaymentId, e.data.amountPaise, `second payment ${e.data.gatewayPaymentId}`, refused.has(e.data.refundId) || parkedIds.has(e.metadata.eventId));
    }
    if (p.purpose === 'topup') {
      const credit = credits(p.userId).find((c) => c.creditId === `topup:${paymentId}`);
      if (p.status === 'captured' && credit?.amountPaise !== p.captured?.gatewayPaise) {
        violations.push(`top-up ${paymentId} captured ${p.captured?.gatewayPaise} paise but credited ${credit?.amountPaise ?? 0}`);
      }
      continue;
    }
    const appointment = p.appointmentId ? facts.appointments.get(p.appointmentId) : undefined;
    const a = appointment?.state;
    const keeps = a?.payment?.paymentId === paymentId;
    const cancelledRefund = appointment
      ? ofType<{ refund: { amountPaise: number } | null }>(appointment.events, 'AppointmentCancelled')[0]?.data.refund?.amountPaise ?? 0
      : 0;
    const shouldKeep = keeps && a ? a.payment!.paidPaise - (a.status === 'cancelled' ? cancelledRefund : 0) : 0;
    if (keeps && a && a.payment!.paidPaise !== captured) {
      violations.push(`appointment ${a.appointmentId} was confirmed as paid ${a.payment!.paidPaise} paise by payment ${paymentId}, which captured ${captured}`);
    }
    if (captured - refunded !== shouldKeep) {
      violations.push(`payment ${paymentId} (${p.method}, appointment ${p.appointmentId} ${a?.status ?? 'unknown'}${keeps ? ', its payment' : ', not its payment'}) `
        + `captured ${captured} paise and refunded ${refunded} [${refunds.map((e) => `${e.data.reason} ${e.data.amountPaise}`).join(', ')}], `
        + `so it keeps ${captured - refunded}; the appointment keeps ${shouldKeep}`);
    }
    const totals = perPatient.get(p.userId) ?? { out: 0, kept: 0, refunded: 0 };
    perPatient.set(p.userId, { out: totals.out + captured, kept: totals.kept + shouldKeep, refunded: totals.refunded + refunded });
  }
  for (const [patientId, t] of perPatient) {
    if (t.out !== t.kept + t.refunded) violations.push(`patient ${patientId}: paid out ${t.out} paise ≠ kept by appointments ${t.kept} + refunded ${t.refunded}`);
  }

  // The gateway side: every refund owed to a card was made there, once, or is waiting for a person.
  const refundedAtGateway = new Map<string, number>();
  for (const n of facts.gatewayNotices) {
    if (n.kind === 'refund.processed') refundedAtGateway.set(n.gatewayPaymentId, (refundedAtGateway.get(n.gatewayPaymentId) ?? 0) + n.amountPaise);
  }
  const outside = options.refundedOutside ?? new Set<string>();
  for (const gatewayPaymentId of new Set([...owedByGatewayPayment.keys(), ...refundedAtGateway.keys()])) {
    if (outside.has(gatewayPaymentId)) continue;
    const owed = owedByGatewayPayment.get(gatewayPaymentId) ?? { owed: 0, waiting: false, what: [] };
    const paid = refundedAtGateway.get(gatewayPaymentId) ?? 0;
    if (paid > owed.owed) violations.push(`the gateway refunded ${paid} paise of ${gatewayPaymentId} but only ${owed.owed} were owed`);
    if (paid < owed.owed && !owed.waiting) {
      violations.push(`${owed.owed - paid} of ${owed.owed} paise owed back to the card of ${gatewayPaymentId} (${owed.what.join(', ')}) never reached the gateway and wait for nobody`);
    }
  }

  // Every gateway capture is the payment's own capture or a second payment given back.
  const captures = [
    ...facts.gatewayNotices.filter((n): n is Extract<GatewayNotice, { kind: 'payment.captured' }> => n.kind === 'payment.captured'),
    ...(options.gatewayCaptures ?? []),
  ];
  for (const c of captures.filter((c) => !outside.has(c.gatewayPaymentId))) {
    const p = byOrder.get(c.orderId);
    if (!p) violations.push(`gateway payment ${c.gatewayPaymentId} was captured on order ${c.orderId}, which no payment knows`);
    else if (c.gatewayPaymentId !== p.gatewayPaymentId && !(c.gatewayPaymentId in p.extraCaptures)) {
      violations.push(`gateway payment ${c.gatewayPaymentId} on order ${c.orderId} took money that payment ${p.paymentId} (${p.status}) never recorded`);
    }
  }

  // The wallet: never overdrawn, every debit bought a captured payment, every credit has a source.
  for (const [userId, { state: w, events }] of facts.wallets) {
    if (w.balancePaise < 0 || w.balancePaise - w.reservedPaise < 0) violations.push(`wallet of ${userId} is overdrawn: balance ${w.balancePaise}, reserved ${w.reservedPaise}`);
    const debited = new Map<string, number>();
    for (const e of ofType<Debited>(events, 'WalletDebited')) debited.set(e.data.paymentId, (debited.get(e.data.paymentId) ?? 0) + e.data.amountPaise);
    for (const [paymentId, amount] of debited) {
      const p = facts.payments.get(paymentId)?.state;
      if (p?.captured?.walletPaise !== amount) violations.push(`wallet of ${userId} was debited ${amount} paise for payment ${paymentId}, which took ${p?.captured?.walletPaise ?? 0} from the wallet`);
    }
    for (const c of credits(userId)) {
      if (c.reason === 'refund' && !refundsById.has(c.creditId.replace(/^refund:/, ''))) violations.push(`wallet of ${userId} got a refund credit ${c.creditId} that no payment issued`);
      if (c.reason === 'topup' && facts.payments.get(c.creditId.replace(/^topup:/, ''))?.state.status !== 'captured') {
        violations.push(`wallet of ${userId} got top-up credit ${c.creditId} without a captured top-up`);
      }
    }
    for (const [reservationId, r] of Object.entries(w.reservations)) {
      if (r.status !== 'held' || r.expiresAt <= options.now) continue;
      const p = facts.payments.get(r.paymentId)?.state;
      const a = p?.appointmentId ? facts.appointments.get(p.appointmentId)?.state : undefined;
      // A declined card attempt may be followed by another on the same order, so a failed payment may keep its wallet part while the hold lasts.
      if (!p || p.status === 'captured' || a?.status !== 'pending_payment') {
        violations.push(`wallet of ${userId} keeps ${r.amountPaise} paise reserved (${reservationId}) for payment ${r.paymentId} (${p?.status}) of a ${a?.status ?? 'missing'} appointment`);
      }
    }
  }
  return violations;
}

/** The parked events, or null when this service has no dead-letter facility (yet). */
export async function parkedEvents(services: Services): Promise<ParkedEvent[] | null> {
  const reactors = services.reactors as unknown as { parked?: () => Promise<ParkedEvent[]> };
  return typeof reactors.parked === 'function' ? reactors.parked() : null;
}

/**
 * Reactors whose checkpoint stopped short of the head, read from a stopped service (the runner
 * checkpoints every reactor's position, `reactor:<name>`, when it stops).
 */
export async function reactorsBehind(stopped: Services): Promise<string[]> {
  const head = await stopped.events.headPosition();
  const behind: string[] = [];
  for (const reactor of contextModules(stopped).flatMap((m) => m.reactors ?? [])) {
    const at = (await stopped.reads.getCheckpoint(`reactor:${reactor.name}`)) ?? 0;
    if (at < head) behind.push(`reactor ${reactor.name} stopped at position ${at} of ${head}`);
  }
  return behind;
}

const silent = { error: () => undefined };

/** Replays every projection from the events into a fresh in-memory read store and compares its documents with the service's. */
export async function readModelDifferences(services: Services, limit = 10): Promise<string[]> {
  const projections = contextModules(services).flatMap((m) => m.projections ?? []);
  const db = openDatabase(':memory:', 'normal');
  const fresh = new SqliteReadStore(db);
  const runner = new ProjectionRunner({ events: services.events, reads: fresh, clock: services.clock, log: silent }, projections);
  const differences: string[] = [];
  try {
    await runner.start();
    if (!(await runner.waitFor(await services.events.headPosition(), 30_000))) return ['a rebuild of the read models did not catch up within 30 s'];
    for (const collection of projections.flatMap((p) => p.collections.map((c) => c.name))) {
      const live = new Map((await services.reads.find(collection)).map((d) => [d.id, stableStringify(d)]));
      const rebuilt = new Map((await fresh.find(collection)).map((d) => [d.id, stableStringify(d)]));
      for (const id of new Set([...live.keys(), ...rebuilt.keys()])) {
        if (live.get(id) === rebuilt.get(id)) continue;
        differences.push(`${collection}/${id}: read model ${live.get(id) ?? '(missing)'} but a rebuild gives ${rebuilt.get(id) ?? '(missing)'}`);
      }
    }
  } finally {
    await runner.stop();
    db.close();
  }
  return differences.length > limit ? [...differences.slice(0, limit), `… and ${differences.length - limit} more`] : differences;
}
