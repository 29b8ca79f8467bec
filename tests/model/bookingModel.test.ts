import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { PaymentGateway } from '../../src/application/ports/paymentGateway.js';
import { buildServices } from '../../src/infrastructure/compositionRoot.js';
import { uuidIds } from '../../src/infrastructure/ids/uuidIds.js';
import { DEVELOPMENT_KEY_SECRET, SIMULATOR_KEY_ID } from '../../src/infrastructure/payments/paymentsWiring.js';
import { httpWebhookSink, RazorpaySimulator, type CheckoutOutcome, type CheckoutResult } from '../../src/infrastructure/payments/razorpaySimulator.js';
import { AdapterFaults, FAULT_TARGETS, type FaultKind, type FaultTarget } from '../support/adapterFaults.js';
import { givenSlots } from '../support/booking.js';
import { FakeClock } from '../support/fakeClock.js';
import { FakeTimeJobs } from '../support/fakeTimeJobs.js';
import { newestMailedCode, signUpOverHttp, verifiedAccount } from '../support/httpAccounts.js';
import { inProcessClient, type HttpAnswer, type HttpCall, type HttpClient, type Json } from '../support/httpClient.js';
import { givenUser, type GivenUser } from '../support/identity.js';
import { sleep, untilQuiet } from '../support/polling.js';
import { blankPdf, labReportPdf, tinyPng } from '../support/sampleReports.js';
import {
  holdLimitViolations, moneyViolations, parkedEvents, reactorsBehind, readFacts, readModelDifferences, slotViolations, type StoreFacts,
} from '../support/storeInvariants.js';
import { startTestApp, type TestApp } from '../support/testApp.js';

/*
 * A model-based test of the whole service over HTTP: three patients and two doctors do what real
 * clients do — retry, race themselves, pay by card, wallet or both, decline a card and try again, call
 * verify twice, get webhooks late, twice or out of order, reschedule, cancel, let holds lapse — while
 * mail, gateway, file storage and analyzer fail now and then and the service restarts. After every run
 * the invariants are checked from the event store, the read models and the API.
 *
 * The gateway is one simulator for the whole run, behind the service's gateway port (the composition
 * root's adapter seam), as Razorpay outlives a restart of ours: orders made before a restart can
 * still be paid after it, and its webhooks (over HTTP, with retries) reach whichever service is up.
 * The browser's checkout step is that simulator's `checkout`, as the dev route would call it.
 *
 *   MODEL_RUNS=200 MODEL_STEPS=25 npm test -- tests/model/bookingModel   a longer exploration
 *   MODEL_SEED=… MODEL_PATH=…                                             replays a reported run
 *   MODEL_STORY=3 (one of STORIES below) or MODEL_STORY=none (generated runs only)
 *   MODEL_SHRINKS=…                                                       how hard a failure is shrunk
 *   MODEL_VERBOSE=1                                                       prints what the clients did in every run
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 3);
const STEPS = Number(process.env.MODEL_STEPS ?? 15);
const SHRINKS = Number(process.env.MODEL_SHRINKS ?? (process.env.MODEL_RUNS ? 60 : 8));
const FEES = [50_000, 40_000];
const SLOTS_PER_DOCTOR = 6;
const HOLD_MS = 15 * 60_000;

type Who = 0 | 1 | 2;
type Action =
  | { kind: 'book'; who: Who; slot: number; copies: number; distinct: boolean; rivals: boolean; key: boolean; retry: boolean }
  | { kind: 'pay'; appt: number; method: 'razorpay' | 'wallet' | 'hybrid'; walletShare: number; key: boolean; repeat: boolean }
  | { kind: 'checkout'; order: number; attempts: Array<'success' | 'failure'>; webhook: 'simulator' | 'duplicated' | 'late' | 'reordered'; verifies: number }
  /** The browser comes back later and posts an order's last checkout proof to verify again. */
  | { kind: 'verifyAgain'; order: number }
  /** Stories only: the gateway gives an order's payment back by itself (an operator's refund in its dashboard). */
  | { kind: 'gatewayRefund'; order: number }
  | { kind: 'deliverLate' }
  | { kind: 'topup'; who: Who; amountPaise: number; via: 'verify' | 'webhook' }
  | { kind: 'reschedule'; appt: number; slot: number; by: 'patient' | 'doctor'; key: boolean; retry: boolean }
  | { kind: 'cancel'; appt: number; by: 'patient' | 'doctor'; key: boolean }
  | { kind: 'conclude'; appt: number; how: 'complete' | 'no-show' }
  | { kind: 'advance'; to: 'fewMinutes' | 'pastHold' | 'nearFirstSlot' | 'pastAll' }
  | { kind: 'timersFire' }
  /** A restart; with `during`, the store closes under that request after `ticks` turns of the event loop (a crash mid-command). */
  | { kind: 'restart'; during: Action | null; ticks: number }
  | { kind: 'fault'; target: FaultTarget; fault: FaultKind; times: number }
  | { kind: 'otp'; code: 'right' | 'wrong'; key: 'none' | 'a' | 'b' }
  | { kind: 'login'; who: Who }
  | { kind: 'resendOtp' }
  | { kind: 'report'; who: Who; file: 'lab' | 'png' | 'blank' };

const who = fc.constantFrom<Who>(0, 1, 2);
/** Which of the known appointments or orders, newest first: mostly the newest. */
const pick = fc.oneof(fc.constant(0), fc.constant(0), fc.nat(7));
const book = fc.record({ kind: fc.constant('book' as const), who, slot: fc.nat(11), copies: fc.integer({ min: 1, max: 4 }), distinct: fc.boolean(), rivals: fc.boolean(), key: fc.boolean(), retry: fc.boolean() });
const pay = fc.record({ kind: fc.constant('pay' as const), appt: pick, method: fc.constantFrom('razorpay' as const, 'wallet' as const, 'hybrid' as const), walletShare: fc.integer({ min: 1, max: 99 }), key: fc.boolean(), repeat: fc.boolean() });
const reschedule = fc.record({ kind: fc.constant('reschedule' as const), appt: pick, slot: fc.nat(SLOTS_PER_DOCTOR - 1), by: fc.constantFrom('patient' as const, 'doctor' as const), key: fc.boolean(), retry: fc.boolean() });
const cancel = fc.record({ kind: fc.constant('cancel' as const), appt: pick, by: fc.constantFrom('patient' as const, 'doctor' as const), key: fc.boolean() });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: book },
  { weight: 6, arbitrary: pay },
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('checkout' as const), order: pick,
    attempts: fc.constantFrom<Array<'success' | 'failure'>>(['success'], ['failure', 'success'], ['failure']),
    webhook: fc.constantFrom('simulator' as const, 'duplicated' as const, 'late' as const, 'reordered' as const), verifies: fc.integer({ min: 0, max: 2 }),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('verifyAgain' as const), order: pick }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deliverLate' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('topup' as const), who, amountPaise: fc.integer({ min: 1_000, max: 100_000 }), via: fc.constantFrom('verify' as const, 'webhook' as const) }) },
  { weight: 2, arbitrary: reschedule },
  { weight: 2, arbitrary: cancel },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('conclude' as const), appt: pick, how: fc.constantFrom('complete' as const, 'no-show' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), to: fc.constantFrom('fewMinutes' as const, 'pastHold' as const, 'pastHold' as const, 'nearFirstSlot' as const, 'pastAll' as const) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'timersFire' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), during: fc.option(fc.oneof(book, pay, reschedule, cancel), { freq: 2 }), ticks: fc.nat(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fault' as const), target: fc.constantFrom(...FAULT_TARGETS), fault: fc.constantFrom<FaultKind>('transient', 'lostAnswer', 'permanent'), times: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('otp' as const), code: fc.constantFrom('right' as const, 'wrong' as const), key: fc.constantFrom('none' as const, 'a' as const, 'b' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('login' as const), who }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resendOtp' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('report' as const), who, file: fc.constantFrom('lab' as const, 'png' as const, 'blank' as const) }) },
);

const booked = (who: Who, slot: number, extra: Partial<Extract<Action, { kind: 'book' }>> = {}): Action =>
  ({ kind: 'book', who, slot, copies: 1, distinct: false, rivals: false, key: false, retry: false, ...extra });
const paid = (method: 'razorpay' | 'wallet' | 'hybrid', extra: Partial<Extract<Action, { kind: 'pay' }>> = {}): Action =>
  ({ kind: 'pay', appt: 0, method, walletShare: 40, key: false, repeat: false, ...extra });
const checkedOut = (attempts: Array<'success' | 'failure'>, webhook: Extract<Action, { kind: 'checkout' }>['webhook'], verifies: number, order = 0): Action =>
  ({ kind: 'checkout', order, attempts, webhook, verifies });

/**
 * Runs that always come first: the paths the issue is about, each a short story of one client. The
 * generated runs that follow explore around them.
 */
const STORIES: Array<{ story: string; actions: Action[] }> = [
  { story: 'a hybrid payment whose first card attempt is declined, then paid', actions: [booked(0, 0), paid('hybrid'), checkedOut(['failure', 'success'], 'simulator', 1)] },
  { story: 'a hybrid payment whose card is declined, then paid from the wallet instead', actions: [booked(1, 6), paid('hybrid', { walletShare: 85 }), checkedOut(['failure'], 'simulator', 0), paid('wallet')] },
  { story: 'a paid appointment rescheduled under an Idempotency-Key', actions: [booked(0, 0), paid('wallet'), { kind: 'reschedule', appt: 0, slot: 3, by: 'patient', key: true, retry: true }] },
  { story: 'four bookings of different slots at once by one patient', actions: [booked(0, 0, { copies: 4, distinct: true })] },
  { story: 'a wrong e-mail code, then the right one, under one Idempotency-Key', actions: [{ kind: 'otp', code: 'wrong', key: 'a' }, { kind: 'otp', code: 'right', key: 'a' }, { kind: 'login', who: 2 }] },
  { story: 'a late payment refunded while e-mail refuses its message, then a cancellation refund', actions: [
    booked(0, 0), paid('razorpay'), checkedOut(['success'], 'late', 0), { kind: 'advance', to: 'pastHold' }, { kind: 'timersFire' },
    { kind: 'fault', target: 'mail', fault: 'permanent', times: 1 }, { kind: 'deliverLate' },
    booked(1, 7), paid('wallet'), { kind: 'cancel', appt: 0, by: 'doctor', key: false },
  ] },
  { story: 'verify posted again after the doctor cancelled and the card was refunded', actions: [
    booked(0, 0), paid('razorpay'), checkedOut(['success'], 'simulator', 0), { kind: 'cancel', appt: 0, by: 'doctor', key: false }, { kind: 'verifyAgain', order: 0 },
  ] },
  { story: 'verify posted only after the gateway had given the payment back', actions: [
    booked(0, 0), paid('razorpay'), checkedOut(['success'], 'late', 0), { kind: 'gatewayRefund', order: 0 }, { kind: 'verifyAgain', order: 0 },
  ] },
  { story: 'initiate sent twice, and both orders paid', actions: [booked(0, 0), paid('razorpay', { repeat: true }), checkedOut(['success'], 'simulator', 1, 0), checkedOut(['success'], 'simulator', 1, 1)] },
  // Where in the reschedule the store closes depends on timing; three points around its middle steps.
  { story: 'the service stops in the middle of a reschedule', actions: [0, 1, 2].flatMap((i): Action[] => [
    booked(0, i), paid('wallet'), { kind: 'restart', during: { kind: 'reschedule', appt: 0, slot: 3 + i, by: 'patient', key: false, retry: false }, ticks: 3 + i },
  ]) },
  { story: 'the slot list shortly before the first consultation', actions: [{ kind: 'advance', to: 'nearFirstSlot' }, booked(0, 0), booked(0, 1)] },
];

interface Patient { userId: string; email: string; password: string; token: string | null; code: string | null }
interface KnownAppointment { appointmentId: string; patient: Who; doctor: number; feePaise: number }
interface KnownOrder { orderId: string; paymentId: string; appointmentId: string | null; proof?: Json }
interface Webhook { rawBody: string; headers: Record<string, string> }

/** The clients, the service they talk to and what they have learnt; one per run. */
class World {
  t!: TestApp;
  server!: Server;
  api!: HttpClient;
  readonly clock = new FakeClock();
  readonly faults = new AdapterFaults();
  readonly jobs = new FakeTimeJobs();
  readonly dataDir = mkdtempSync(join(tmpdir(), 'hv-model-'));
  readonly runId = randomUUID().slice(0, 8);
  /** The payment gateway: one for the run, made at the first start (it needs the service's secrets). */
  gateway!: RazorpaySimulator;
  /** Set while the store closes under a request: its answers and checks say nothing about the service. */
  crashing = false;
  doctors: GivenUser[] = [];
  slots: string[] = [];
  patients: Patient[] = [];
  appointments: KnownAppointment[] = [];
  orders: KnownOrder[] = [];
  reports: Array<{ reportId: string; patient: Who }> = [];
  lateWebhooks: Webhook[] = [];
  gatewayCaptures: Array<{ orderId: string; gatewayPaymentId: string }> = [];
  /** Gateway payments the gateway gave back by itself: money that left and came back outside the service. */
  readonly refundedOutside = new Set<string>();
  readonly violations: string[] = [];
  readonly transcript: string[] = [];

  async start(): Promise<void> {
    const gateway: PaymentGateway = {
      keyId: SIMULATOR_KEY_ID,
      createOrder: (order) => this.gateway.createOrder(order),
      fetchPayment: (id) => this.gateway.fetchPayment(id),
      refund: (id, amountPaise, key) => this.gateway.refund(id, amountPaise, key),
    };
    this.t = await startTestApp({
      dataDir: this.dataDir, clock: this.clock, wrapAdapters: { ...this.faults.wrappers, gateway: () => this.faults.wrappers.gateway!(gateway) },
    });
    const { config } = this.t;
    this.gateway ??= new RazorpaySimulator({
      keyId: SIMULATOR_KEY_ID, keySecret: config.RAZORPAY_KEY_SECRET ?? DEVELOPMENT_KEY_SECRET, webhookSecret: config.RAZORPAY_WEBHOOK_SECRET, ids: uuidIds, clock: this.clock,
    });
    this.server = await new Promise<Server>((resolve) => { const s = this.t.http.listen(0, '127.0.0.1', () => resolve(s)); });
    const url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.gateway.connect(httpWebhookSink(`${url}/api/payments/webhook`));
    this.api = inProcessClient(this.server);
  }

  async stop(): Promise<void> {
    await this.gateway.idle();
    await this.t.close();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The browser's step at the gateway: pays (or fails) the order; null when the gateway refuses (unknown, already paid). */
  checkout(orderId: string, outcome: CheckoutOutcome, deliverWebhook: boolean): CheckoutResult | null {
    try {
      const result = this.gateway.checkout(orderId, outcome, { deliverWebhook });
      this.transcript.push(`  checkout of ${orderId} at the gateway: ${outcome}${deliverWebhook ? '' : ' (no webhook from the gateway)'}`);
      return result;
    } catch (error) {
      this.transcript.push(`  checkout of ${orderId} at the gateway: refused (${(error as Error).message})`);
      return null;
    }
  }

  async postWebhook(hook: Webhook): Promise<void> {
    await this.call('POST', '/api/payments/webhook', { body: hook.rawBody, headers: hook.headers });
  }

  /** A violation the clients met (once each, with the step it was first seen at). */
  violation(text: string, when = `step ${this.transcript.filter((l) => l.startsWith('#')).length}`): void {
    if (this.crashing || this.seen.has(text)) return;
    this.seen.add(text);
    this.violations.push(`${when}: ${text}`);
  }

  private readonly seen = new Set<string>();

  /** One HTTP call, written to the transcript; a 5xx nobody's injected failure explains is a violation. */
  async call(method: 'GET' | 'POST', path: string, options: HttpCall & { key?: string } = {}): Promise<HttpAnswer> {
    const injectedBefore = this.faults.injected.length;
    const res = await this.api.send(method, path, { ...options, headers: { ...options.headers, ...(options.key ? { 'Idempotency-Key': options.key } : {}) } });
    const shown = typeof options.body === 'string' ? '<signed webhook>' : options.body === undefined ? new URLSearchParams(options.query).toString() : JSON.stringify(options.body);
    this.transcript.push(`  ${method} ${path} ${shown.slice(0, 160)}${options.key ? ` [Idempotency-Key ${options.key}]` : ''} → ${res.status}`
      + `${res.status >= 400 ? ` ${res.body.code ?? res.body.type ?? ''}` : ''}`);
    if (res.status >= 500 && this.faults.injected.length === injectedBefore && !this.crashing) {
      this.violation(`${method} ${path} answered ${res.status} with no failure injected: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    return res;
  }

  async facts(): Promise<StoreFacts> {
    return readFacts(this.t.services.events);
  }

  now(): string {
    return this.clock.now().toISOString();
  }
}

async function setUp(w: World): Promise<void> {
  await w.start();
  for (const feePaise of FEES) {
    const doctor = await givenUser(w.t, { role: 'doctor', doctor: { feePaise } });
    w.doctors.push(doctor);
    w.slots.push(...(await givenSlots(w.t, doctor)).slice(0, SLOTS_PER_DOCTOR));
  }
  for (let i = 0; i < 2; i += 1) {
    const account = await verifiedAccount({ role: 'patient', signUpVia: w.api });
    w.patients.push({ ...account, code: null });
  }
  const late = await signUpOverHttp(w.api, { role: 'patient' });
  w.patients.push({ ...late, token: null, code: await newestMailedCode([w.api], late.email) });
  for (const [i, amountPaise] of [[0, 100_000], [1, 40_000]] as const) {
    const res = await w.call('POST', '/api/wallet/topup', { token: w.patients[i].token, body: { amountPaise } });
    const proof = w.checkout(res.body.razorpay.orderId, 'success', false);
    await w.call('POST', '/api/payments/verify', { body: proof });
  }
  w.transcript.push('# set-up done: doctors 0 (₹500) and 1 (₹400) with 6 slots each; patients 0 (₹1,000 in the wallet) and 1 (₹400) verified, patient 2 not yet');
}

/** How long reactors may still be retrying after a transient failure (in place, with backoff) before they succeed or park the event. */
const RETRYING_MS = 3_500;

/** Waits until webhooks, projections and reactors have nothing left to do (bounded; a stuck reactor is reported by the checks). */
async function settle(w: World, budgetMs = 8_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let head = -1;
  let stableSince = Date.now();
  for (;;) {
    await w.gateway.idle();
    const now = await w.t.services.events.headPosition();
    if (now !== head) { head = now; stableSince = Date.now(); }
    const caughtUp = await w.t.services.projections.waitFor(now, 500);
    const failing = w.t.services.reactors.errors().length > 0;
    const stableFor = Date.now() - stableSince;
    const retrying = Date.now() - w.faults.lastTransientAt < RETRYING_MS;
    if ((caughtUp && !failing && !retrying && stableFor >= 100) || (failing && stableFor >= 2_500) || Date.now() > deadline) return;
    await sleep(50);
  }
}

/**
 * A wallet payment refused for want of funds: the funds a declined card attempt of this same
 * appointment keeps reserved must not be what it lacks (the patient switches from card to wallet).
 */
async function refusedForOwnDeclinedAttempt(w: World, known: KnownAppointment, payer: Patient): Promise<void> {
  const facts = await w.facts();
  const wallet = facts.wallets.get(payer.userId)?.state;
  if (!wallet) return;
  const declinedHere = (paymentId: string) => {
    const p = facts.payments.get(paymentId)?.state;
    return p?.status === 'failed' && p.appointmentId === known.appointmentId;
  };
  const reservedElsewhere = Object.values(wallet.reservations)
    .filter((r) => r.status === 'held' && r.expiresAt > w.now() && !declinedHere(r.paymentId))
    .reduce((sum, r) => sum + r.amountPaise, 0);
  if (wallet.balancePaise - reservedElsewhere >= known.feePaise) {
    w.violation(`paying appointment ${known.appointmentId} (${known.feePaise} paise) from the wallet was refused 402: the wallet holds ${wallet.balancePaise}, `
      + `of which only ${reservedElsewhere} is reserved for anything but this appointment's declined card attempt`);
  }
}

/** Posts a checkout proof to verify; it must say "captured" exactly when the gateway does. Answers whether it did. */
async function verify(w: World, proof: Json): Promise<boolean> {
  const gatewayPaymentId = proof.razorpay_payment_id as string;
  const gatewaySays = (await w.gateway.fetchPayment(gatewayPaymentId)).status;
  const recorded = [...(await w.facts()).payments.values()]
    .some(({ state: p }) => p.gatewayPaymentId === gatewayPaymentId || gatewayPaymentId in p.extraCaptures);
  const injected = w.faults.injected.length;
  const res = await w.call('POST', '/api/payments/verify', { body: proof });
  const faulted = w.faults.injected.length > injected;
  if (gatewaySays === 'captured' && !faulted && res.status !== 200) w.violation(`verify of a payment the gateway reports captured answered ${res.status} ${res.body.code ?? ''}`);
  // Repeating the proof of a capture already recorded may answer it again; money the gateway no longer holds buys nothing.
  if (gatewaySays !== 'captured' && !recorded && res.status === 200) {
    w.violation(`verify answered "captured" for gateway payment ${gatewayPaymentId}, which the gateway reports ${gatewaySays}`);
  }
  return res.status === 200;
}

/** Tokens live an hour: after the clock jumps, everyone who had one signs in again, as an app would. */
async function signInAgain(w: World): Promise<void> {
  for (const account of [...w.doctors, ...w.patients.filter((p) => p.token)]) {
    const res = await w.call('POST', '/api/auth/login', { body: { email: account.email, password: account.password } });
    if (res.status === 200) account.token = res.body.token;
    else w.violation(`${account.email} could not sign in again: ${res.status}`);
  }
}

/** The timers whose time the fake clock reached fire; one that gives up for good is a lost compensation. */
async function timersFire(w: World): Promise<void> {
  for (const job of await w.jobs.runDue(w.t.services)) {
    w.transcript.push(`  (timer ${job.name} fired${job.error ? `, failed: ${job.error}` : ''})`);
    if (job.gaveUp) w.violation(`the ${job.name} timer gave up after ${job.attempts} attempt(s): ${job.error}`);
  }
}

const newestFirst = <T>(items: T[], index: number): T | undefined => (items.length === 0 ? undefined : items[items.length - 1 - (index % items.length)]);

async function run(w: World, a: Action): Promise<void> {
  switch (a.kind) {
    case 'book': {
      const key = a.key ? `book-${randomUUID()}` : undefined;
      const requests = Array.from({ length: a.copies }, (_, i) => ({
        slotId: w.slots[(a.slot + (a.distinct ? i : 0)) % w.slots.length],
        who: (a.rivals ? (a.who + i) % 3 : a.who) as Who,
        key: key && (a.distinct || a.rivals) ? `${key}-${i}` : key,
      })).filter((r) => w.patients[r.who].token);
      if (requests.length === 0) break;
      const book = async (r: (typeof requests)[number]) =>
        ({ r, res: await w.call('POST', '/api/appointments', { token: w.patients[r.who].token, body: { slotId: r.slotId }, key: r.key }) });
      const calls = await Promise.all(requests.map(book));
      if (a.retry) calls.push(await book(requests[0]));
      for (const { r, res } of calls) {
        if (res.status !== 201 || w.appointments.some((k) => k.appointmentId === res.body.appointmentId)) continue;
        w.appointments.push({ appointmentId: res.body.appointmentId, patient: r.who, doctor: Math.floor(w.slots.indexOf(r.slotId) / SLOTS_PER_DOCTOR), feePaise: res.body.feePaise });
      }
      // The same request under one key, however often and however concurrently sent, books once.
      const created = new Set(calls.filter((c) => c.res.status === 201 && c.r.key === requests[0].key && c.r.key).map((c) => c.res.body.appointmentId));
      if (created.size > 1) w.violation(`one Idempotency-Key booked ${created.size} different appointments: ${[...created].join(', ')}`);
      const [first, last] = [calls[0], calls[calls.length - 1]];
      if (a.retry && first.r.key && first.res.status === 201 && last.res.body.appointmentId !== first.res.body.appointmentId) {
        w.violation(`a retried booking under the same Idempotency-Key answered ${last.res.status} instead of replaying appointment ${first.res.body.appointmentId}`);
      }
      break;
    }
    case 'pay': {
      const known = newestFirst(w.appointments, a.appt);
      if (!known) break;
      const payer = w.patients[known.patient];
      const walletAmountPaise = Math.min(known.feePaise - 1, Math.max(1, Math.floor((known.feePaise * a.walletShare) / 100)));
      const body = { appointmentId: known.appointmentId, method: a.method, ...(a.method === 'hybrid' ? { walletAmountPaise } : {}) };
      const key = a.key ? `pay-${randomUUID()}` : undefined;
      const first = await w.call('POST', '/api/payments/initiate', { token: payer.token, body, key });
      const second = a.repeat ? await w.call('POST', '/api/payments/initiate', { token: payer.token, body, key }) : null;
      for (const res of [first, second]) {
        if (res?.status === 402 && a.method === 'wallet') await refusedForOwnDeclinedAttempt(w, known, payer);
        if (res?.status === 201 && res.body.razorpay && !w.orders.some((o) => o.orderId === res.body.razorpay.orderId)) {
          w.orders.push({ orderId: res.body.razorpay.orderId, paymentId: res.body.paymentId, appointmentId: known.appointmentId });
        }
      }
      if (second && first.status === 201 && key && (second.status !== 201 || second.body.paymentId !== first.body.paymentId)) {
        w.violation(`initiate retried under the same Idempotency-Key answered ${second.status} ${second.body.paymentId} instead of replaying payment ${first.body.paymentId}`);
      }
      if (second && !key && first.status === 201 && second.status === 201 && first.body.razorpay && second.body.razorpay
        && first.body.razorpay.orderId !== second.body.razorpay.orderId) {
        w.violation(`initiating the same payment twice opened two gateway orders (${first.body.razorpay.orderId}, ${second.body.razorpay.orderId}) for appointment ${known.appointmentId}`);
      }
      break;
    }
    case 'checkout': {
      const order = newestFirst(w.orders, a.order);
      if (!order) break;
      const before = await w.facts();
      const appointmentBefore = order.appointmentId ? before.appointments.get(order.appointmentId)?.state : undefined;
      const payable = appointmentBefore?.status === 'pending_payment' && w.now() < appointmentBefore.holdExpiresAt
        && before.payments.get(order.paymentId)?.state.status !== 'captured';
      const held: Webhook[] = [];
      let proof: Json | null = null;
      let reported = false;
      for (const [i, outcome] of a.attempts.entries()) {
        const byGateway = a.webhook === 'simulator' || a.webhook === 'duplicated';
        const result = w.checkout(order.orderId, outcome, byGateway);
        if (!result) continue;
        const gatewayPaymentId = 'error' in result ? result.error.metadata.payment_id : result.razorpay_payment_id;
        const hook = w.gateway.webhook(outcome === 'success' ? 'payment.captured' : 'payment.failed', gatewayPaymentId);
        if (!('error' in result)) {
          proof = result;
          order.proof = result;
          w.gatewayCaptures.push({ orderId: order.orderId, gatewayPaymentId });
          reported ||= byGateway || a.webhook === 'reordered';
        }
        // Razorpay redelivers an event under the same event id.
        if (a.webhook === 'duplicated') for (let n = 0; n < 2; n += 1) await w.postWebhook(hook);
        if (a.webhook === 'late') w.lateWebhooks.push(hook);
        if (a.webhook === 'reordered') held.push(hook);
        // A declined card: the patient tries again a moment later.
        if (outcome === 'failure' && i < a.attempts.length - 1) await settle(w);
      }
      for (const hook of held.reverse()) await w.postWebhook(hook);
      for (let n = 0; proof && n < a.verifies; n += 1) reported = (await verify(w, proof)) || reported;
      if (proof && reported && payable && order.appointmentId) {
        await settle(w);
        const after = (await w.facts()).appointments.get(order.appointmentId)?.state;
        if (after?.status !== 'confirmed') {
          w.violation(`a successful checkout of ${order.orderId} while appointment ${order.appointmentId} was held and unpaid left it ${after?.status}`);
        }
      }
      break;
    }
    case 'verifyAgain': {
      const order = newestFirst(w.orders.filter((o) => o.proof), a.order);
      if (!order?.proof) break;
      await settle(w);
      await verify(w, order.proof);
      break;
    }
    case 'gatewayRefund': {
      const order = newestFirst(w.orders.filter((o) => o.proof), a.order);
      if (!order?.proof) break;
      const gatewayPaymentId = order.proof.razorpay_payment_id as string;
      const { amountPaise } = await w.gateway.fetchPayment(gatewayPaymentId);
      await w.gateway.refund(gatewayPaymentId, amountPaise, `dashboard-${gatewayPaymentId}`);
      w.refundedOutside.add(gatewayPaymentId);
      w.transcript.push(`  (the gateway refunded ${gatewayPaymentId} on its own)`);
      break;
    }
    case 'deliverLate': {
      for (const hook of w.lateWebhooks.splice(0)) await w.postWebhook(hook);
      break;
    }
    case 'topup': {
      const patient = w.patients[a.who];
      if (!patient.token) break;
      const res = await w.call('POST', '/api/wallet/topup', { token: patient.token, body: { amountPaise: a.amountPaise } });
      if (res.status !== 201) break;
      w.orders.push({ orderId: res.body.razorpay.orderId, paymentId: res.body.paymentId, appointmentId: null });
      const proof = w.checkout(res.body.razorpay.orderId, 'success', a.via === 'webhook');
      if (!proof || 'error' in proof) break;
      w.gatewayCaptures.push({ orderId: res.body.razorpay.orderId, gatewayPaymentId: proof.razorpay_payment_id });
      if (a.via === 'verify') {
        const verified = await w.call('POST', '/api/payments/verify', { body: proof });
        // The gateway took the money: whatever verify answered, its webhook brings the news later.
        if (verified.status !== 200) w.lateWebhooks.push(w.gateway.webhook('payment.captured', proof.razorpay_payment_id));
      }
      break;
    }
    case 'reschedule': {
      const known = newestFirst(w.appointments, a.appt);
      if (!known) break;
      const newSlotId = w.slots[known.doctor * SLOTS_PER_DOCTOR + a.slot];
      const token = a.by === 'patient' ? w.patients[known.patient].token : w.doctors[known.doctor].token;
      const key = a.key ? `move-${randomUUID()}` : undefined;
      const path = `/api/appointments/${known.appointmentId}/reschedule`;
      const first = await w.call('POST', path, { token, body: { newSlotId }, key });
      if (first.status === 200 && first.body.slotId !== newSlotId) w.violation(`reschedule to ${newSlotId} answered 200 with slot ${first.body.slotId}`);
      if (a.retry) {
        const again = await w.call('POST', path, { token, body: { newSlotId }, key });
        if (key && first.status === 200 && again.status !== 200) w.violation(`a retried reschedule under the same Idempotency-Key answered ${again.status} instead of replaying 200`);
      }
      break;
    }
    case 'cancel': {
      const known = newestFirst(w.appointments, a.appt);
      if (!known) break;
      const token = a.by === 'patient' ? w.patients[known.patient].token : w.doctors[known.doctor].token;
      const res = await w.call('POST', `/api/appointments/${known.appointmentId}/cancel`, { token, body: {}, key: a.key ? `cancel-${randomUUID()}` : undefined });
      const paid = res.body.appointment?.payment?.paidPaise as number | undefined;
      if (res.status === 200 && paid) {
        const ahead = Date.parse(res.body.appointment.start) - w.clock.now().getTime();
        const owed = a.by === 'doctor' || ahead > 24 * 3_600_000 ? paid : Math.floor(paid / 2);
        if (res.body.refund?.amountPaise !== owed) w.violation(`cancelling ${known.appointmentId} (paid ${paid}) by the ${a.by} offered a refund of ${res.body.refund?.amountPaise}, the policy gives ${owed}`);
      }
      break;
    }
    case 'conclude': {
      const known = newestFirst(w.appointments, a.appt);
      if (known) await w.call('POST', `/api/appointments/${known.appointmentId}/${a.how}`, { token: w.doctors[known.doctor].token, body: {} });
      break;
    }
    case 'advance': {
      const first = Date.parse('2030-01-08T03:30:00.000Z');
      const at = { fewMinutes: w.clock.now().getTime() + 5 * 60_000, pastHold: w.clock.now().getTime() + HOLD_MS + 60_000, nearFirstSlot: first - 20 * 60_000, pastAll: first + 4 * 3_600_000 }[a.to];
      if (at > w.clock.now().getTime()) w.clock.set(new Date(at));
      w.transcript.push(`  (the clock is now ${w.now()})`);
      await signInAgain(w);
      for (const [doctor, d] of w.doctors.entries()) {
        const listed = await w.call('GET', `/api/doctors/${d.userId}/slots`, { query: { status: 'available' } });
        const soon = new Date(w.clock.now().getTime() + w.t.config.MIN_NOTICE_MINUTES * 60_000).toISOString();
        for (const s of (listed.body.items ?? []) as Array<{ slotId: string; start: string }>) {
          if (s.start < soon) w.violation(`doctor ${doctor}'s slot ${s.slotId} at ${s.start} is listed as available, but it starts within MIN_NOTICE_MINUTES and cannot be booked`);
        }
      }
      break;
    }
    case 'timersFire': {
      await timersFire(w);
      break;
    }
    case 'restart': {
      if (a.during) {
        // The store closes under the request at some point of its way: what a crash leaves behind.
        w.crashing = true;
        w.transcript.push(`  (the service stops ${a.ticks} event-loop turn(s) into ${JSON.stringify(a.during)})`);
        const inFlight = run(w, a.during).catch(() => undefined);
        for (let i = 0; i < a.ticks; i += 1) await new Promise((resolve) => setImmediate(resolve));
        await w.t.close();
        await inFlight;
        await new Promise((resolve) => w.server.close(resolve));
        w.crashing = false;
      } else {
        await w.stop();
      }
      await w.start();
      w.transcript.push('  (the service started again on the same data)');
      // The development mailbox lives in memory: codes mailed before the restart are gone with it.
      w.patients[2].code = null;
      break;
    }
    case 'fault': {
      w.faults.arm(a.target, a.fault, a.times);
      break;
    }
    case 'otp': {
      const p = w.patients[2];
      const right = p.code ?? (await newestMailedCode([w.api], p.email));
      if (a.code === 'right' && !right) break;
      const otp = a.code === 'right' ? right! : right === '000000' ? '111111' : '000000';
      const wasVerified = (await w.facts()).verifiedUsers.has(p.userId);
      const res = await w.call('POST', '/api/auth/verify-otp', { body: { email: p.email, otp }, key: a.key === 'none' ? undefined : `otp-${a.key}-${w.runId}` });
      if (res.status === 200) {
        if (otp !== right || wasVerified) w.violation(`verify-otp answered a token for ${otp === right ? 'the right code' : 'a wrong code'} on an account ${wasVerified ? 'already' : 'not yet'} verified`);
        if (!(await w.facts()).verifiedUsers.has(p.userId)) w.violation(`verify-otp issued a token for ${p.email}, whose address is not verified`);
        p.token = res.body.token;
      }
      break;
    }
    case 'login': {
      const p = w.patients[a.who];
      const res = await w.call('POST', '/api/auth/login', { body: { email: p.email, password: p.password } });
      const verified = (await w.facts()).verifiedUsers.has(p.userId);
      if (res.status === 200 && !verified) w.violation(`login issued a token for ${p.email}, whose address is not verified`);
      if (verified && res.status !== 200) w.violation(`login of a verified account answered ${res.status}`);
      if (res.status === 200) p.token = res.body.token;
      break;
    }
    case 'resendOtp': {
      const p = w.patients[2];
      await w.call('POST', '/api/auth/resend-otp', { body: { email: p.email } });
      p.code = await newestMailedCode([w.api], p.email);
      break;
    }
    case 'report': {
      const p = w.patients[a.who];
      if (!p.token) break;
      const bytes = a.file === 'lab' ? await labReportPdf(['Haemoglobin 9.1 g/dL 12.0-15.5']) : a.file === 'png' ? tinyPng() : await blankPdf();
      const listed = async () => ((await w.api.send('GET', '/api/reports', { token: p.token })).body.items ?? []).length as number;
      const before = await listed();
      const injected = w.faults.injected.length;
      const res = await request(w.server).post('/api/reports').set({ Authorization: `Bearer ${p.token}` }).attach('file', bytes, a.file === 'png' ? 'scan.png' : 'report.pdf');
      w.transcript.push(`  POST /api/reports (multipart ${a.file}) → ${res.status}`);
      if (res.status === 201) w.reports.push({ reportId: res.body.reportId, patient: a.who });
      else {
        if (res.status >= 500 && w.faults.injected.length === injected) w.violation(`a report upload answered ${res.status} with no failure injected`);
        if ((await listed()) !== before) w.violation(`a report upload answered ${res.status}, yet a report was added to the patient's list`);
      }
      break;
    }
  }
}

/** The checks made through the API: what clients see agrees with what was recorded. */
async function apiViolations(w: World, facts: StoreFacts): Promise<string[]> {
  const violations: string[] = [];
  const now = w.now();
  for (const known of w.appointments) {
    const token = w.patients[known.patient].token;
    const res = await w.api.send('GET', `/api/appointments/${known.appointmentId}`, { token });
    const recorded = facts.appointments.get(known.appointmentId)?.state;
    if (res.body.status !== recorded?.status || res.body.slotId !== recorded?.slotId) {
      violations.push(`GET /api/appointments/${known.appointmentId} shows ${res.body.status} in ${res.body.slotId}; its events say ${recorded?.status} in ${recorded?.slotId}`);
    }
  }
  for (const d of w.doctors) {
    const res = await w.api.send('GET', `/api/doctors/${d.userId}/slots`, { query: { from: '2030-01-01T00:00:00Z', to: '2030-02-01T00:00:00Z' } });
    for (const s of (res.body.items ?? []) as Array<{ slotId: string; status: string }>) {
      const slot = facts.slots.get(s.slotId)?.state;
      const truth = slot?.status === 'booked' ? 'booked' : slot?.status === 'held' && now < slot.expiresAt ? 'held' : 'available';
      if (s.status !== truth) violations.push(`the slot board shows ${s.slotId} ${s.status}; its events say ${truth}`);
    }
  }
  for (const [i, p] of w.patients.entries()) {
    if (!p.token || !facts.verifiedUsers.has(p.userId)) continue;
    const wallet = (await w.api.send('GET', '/api/wallet', { token: p.token })).body;
    const recorded = facts.wallets.get(p.userId)?.state;
    const balancePaise = recorded?.balancePaise ?? 0;
    if (wallet.balancePaise !== balancePaise) violations.push(`patient ${i}'s wallet shows ${wallet.balancePaise} paise; its events say ${balancePaise}`);
    // A payment is said to have come after the hold lapsed only when no payment had bought that appointment.
    const mails = ((await w.api.send('GET', '/api/dev/mailbox', { query: { to: p.email } })).body.items ?? []) as Array<{ text: string }>;
    const lateMails = mails.filter((m) => /after the slot's hold had lapsed/.test(m.text)).length;
    const trulyLate = [...facts.payments.values()].filter(({ state: pay }) => pay.userId === p.userId && pay.appointmentId
      && Object.keys(pay.refunds).length > 0 && !facts.appointments.get(pay.appointmentId)?.state.payment).length;
    if (lateMails > trulyLate) violations.push(`patient ${i} was told ${lateMails} time(s) that a payment came after the hold lapsed; ${trulyLate} did`);
  }
  for (const r of w.reports) {
    const res = await w.api.send('GET', `/api/reports/${r.reportId}`, { token: w.patients[r.patient].token });
    if (res.body.status === 'analyzing' || (res.body.status === 'failed' && !res.body.failureReason)) {
      violations.push(`report ${r.reportId} is ${res.body.status}${res.body.status === 'failed' ? ' without a reason' : ' after its analysis ran'}`);
    }
  }
  return violations;
}

async function checkRun(w: World): Promise<string[]> {
  for (const hook of w.lateWebhooks.splice(0)) await w.call('POST', '/api/payments/webhook', { body: hook.rawBody, headers: hook.headers });
  for (let i = 0; i < 2; i += 1) {
    await timersFire(w);
    await settle(w);
  }
  const facts = await w.facts();
  const now = w.now();
  const parked = await parkedEvents(w.t.services);
  const violations = [
    ...slotViolations(facts, now),
    ...holdLimitViolations(facts, now),
    ...moneyViolations(facts, { now, parked, gatewayCaptures: w.gatewayCaptures, refundedOutside: w.refundedOutside }),
    ...(await apiViolations(w, facts)),
    ...(parked === null ? w.t.services.reactors.errors().map((e) => `a reactor keeps failing: ${e}`) : []),
    ...(parked ?? []).filter((p) => !p.reason).map((p) => `reactor ${p.reactor} parked event ${p.eventId} without a reason`),
  ];
  await w.stop();
  // What the stopped service left behind: every reactor's checkpoint, and read models equal to a rebuild.
  const stopped = await buildServices(w.t.config, { clock: w.clock });
  try {
    violations.push(...(await reactorsBehind(stopped)), ...(await readModelDifferences(stopped)));
  } finally {
    await stopped.stop();
  }
  return violations;
}

interface Failure { actions: Action[]; violations: string[]; transcript: string[]; error?: string }

describe('the booking service under real clients', () => {
  it('keeps its invariants whatever clients, gateway, outside services and restarts do', async () => {
    let lastFailure: Failure | null = null;
    const property = fc.asyncProperty(fc.limitShrink(fc.array(action, { minLength: 1, maxLength: STEPS, size: 'max' }), SHRINKS), async (actions) => {
      const w = new World();
      let error: string | undefined;
      try {
        await setUp(w);
        const story = STORIES.find((s) => JSON.stringify(s.actions) === JSON.stringify(actions));
        if (story) w.transcript.push(`# the story of ${story.story}`);
        for (const [i, a] of actions.entries()) {
          w.transcript.push(`#${i + 1} ${JSON.stringify(a)}`);
          await run(w, a);
          await w.gateway.idle();
          await untilQuiet(w.t.services.events);
          // The hold limit holds at every moment, not only in the end.
          for (const v of holdLimitViolations(await w.facts(), w.now())) w.violation(v);
        }
        for (const v of await checkRun(w)) w.violation(v, 'in the end');
      } catch (e) {
        error = e instanceof Error ? e.stack ?? e.message : String(e);
        await w.stop().catch(() => undefined);
      } finally {
        rmSync(w.dataDir, { recursive: true, force: true });
      }
      if (process.env.MODEL_VERBOSE) process.stdout.write(`${[...w.transcript, ...w.violations.map((v) => `  ! ${v}`), error ?? ''].join('\n')}\n\n`);
      if (error || w.violations.length > 0) {
        lastFailure = { actions, violations: w.violations, transcript: w.transcript, error };
        return false;
      }
      return true;
    });
    const seed = Number(process.env.MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    // MODEL_STORY=i runs the i-th story alone (a reproduction), MODEL_STORY=none only generated runs; by default all stories, then RUNS generated runs.
    const only = process.env.MODEL_STORY;
    const stories = only === undefined ? STORIES : only === 'none' ? [] : [STORIES[Number(only)]];
    const details = await fc.check(property, {
      seed, numRuns: only !== undefined && only !== 'none' ? 1 : stories.length + RUNS, endOnFailure: SHRINKS === 0,
      examples: stories.map((s) => [s.actions]),
      ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
    });
    if (details.failed) {
      const f = lastFailure as Failure | null;
      throw new Error([
        `The model found a violation. Replay: MODEL_SEED=${details.seed} MODEL_PATH=${details.counterexamplePath} `
          + 'NODE_OPTIONS=--experimental-vm-modules npx jest tests/model/bookingModel',
        `seed ${details.seed}, path ${details.counterexamplePath}, after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s)`,
        'Violations:', ...(f?.violations ?? []).map((v) => `  - ${v}`),
        ...(f?.error ? ['Error:', f.error] : []),
        'Actions:', JSON.stringify(f?.actions ?? details.counterexample),
        'What the clients did:', ...(f?.transcript ?? []),
      ].join('\n'));
    }
  }, 120_000 + RUNS * 30_000);
});
