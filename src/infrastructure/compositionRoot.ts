import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Config } from './config.js';
import type { Store } from 'express-rate-limit';
import type { Actor } from '../domain/shared/event.js';
import { createLogger, type Logger } from './logger.js';
import type { Clock } from '../application/ports/clock.js';
import type { Ids } from '../application/ports/ids.js';
import type { EventStore } from '../application/ports/eventStore.js';
import type { ReadStore } from '../application/ports/readStore.js';
import type { Scheduler } from '../application/ports/scheduler.js';
import type { IdempotencyStore } from '../application/ports/idempotencyStore.js';
import type { Projection } from '../application/eventSourcing/projection.js';
import type { Reactor } from '../application/eventSourcing/reactor.js';
import type { ContextModule, JobDefinition } from '../application/module.js';
import type { HandlerDeps } from '../application/eventSourcing/commandHandler.js';
import { ProjectionRunner } from '../application/eventSourcing/projectionRunner.js';
import { ReactorRunner } from '../application/eventSourcing/reactorRunner.js';
import { GenerationRouting } from '../application/eventSourcing/generations.js';
import type { Ownership } from '../application/eventSourcing/leasedWork.js';
import type { Leases } from '../application/ports/leases.js';
import { SqliteLeases } from './leases/sqliteLeases.js';
import { MongoLeases } from './leases/mongoLeases.js';
import { upcasterChain } from '../application/eventSourcing/upcasting.js';
import { systemClock } from './clock/systemClock.js';
import { uuidIds } from './ids/uuidIds.js';
import { openDatabase } from './sqlite/openDatabase.js';
import { SqliteEventStore } from './eventStore/sqliteEventStore.js';
import { EventStoreDbEventStore } from './eventStore/eventStoreDbEventStore.js';
import { SqliteReadStore } from './readStore/sqliteReadStore.js';
import { MongoReadStore } from './readStore/mongoReadStore.js';
import { createMongoScheduler, createSqliteScheduler } from './scheduling/agendaScheduler.js';
import { SqliteIdempotencyStore } from './idempotency/sqliteIdempotencyStore.js';
import { MongoIdempotencyStore } from './idempotency/mongoIdempotencyStore.js';
import { connectMongo } from './mongo/mongoClient.js';
import { MongoRateLimitStore, type CounterCollection } from './rateLimit/mongoRateLimitStore.js';
import type { LedgerStore } from '../application/ports/ledgerStore.js';
import { SqliteLedgerStore } from './audit/sqliteLedgerStore.js';
import { MongoLedgerStore } from './audit/mongoLedgerStore.js';
import { wireLedger } from './audit/ledgerWiring.js';
import { createAuditModule } from '../application/audit/audit.module.js';
import type { PersonalDataKeys } from '../application/ports/personalDataKeys.js';
import { PersonalDataEventStore } from '../application/personalData/personalDataEventStore.js';
import { personalDataRules } from '../application/personalData/personalDataRules.js';
import { createPersonalDataModule } from '../application/personalData/personalData.module.js';
import { EMAIL_LOOKUP_KEY_OWNER } from '../application/identity/identityStreams.js';
import { SqlitePersonalDataKeys } from './personalData/sqlitePersonalDataKeys.js';
import type { SnapshotStore } from '../application/ports/snapshotStore.js';
import { MongoSnapshotStore } from './snapshots/mongoSnapshotStore.js';
import { SqliteSnapshotStore } from './snapshots/sqliteSnapshotStore.js';
import { MongoPersonalDataKeys } from './personalData/mongoPersonalDataKeys.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { upcasters } from './eventStore/upcasters.js';
import { wirePayments } from './payments/paymentsWiring.js';
import { createIdentityModule } from '../application/identity/identity.module.js';
import { identityAdapters } from './identity/identityAdapters.js';
import { createSchedulingModule } from '../application/scheduling/scheduling.module.js';
import { createAppointmentsModule } from '../application/appointments/appointments.module.js';
import { appointmentCalendarAdapters } from './appointments/calendarAdapters.js';
import { createConsultationsModule } from '../application/consultations/consultations.module.js';
import { createReportsModule } from '../application/reports/reports.module.js';
import { reportAdapters } from './reports/reportAdapters.js';
import { createIntegrationsModule } from '../application/integrations/integrations.module.js';
import { integrationsAdapters } from './integrations/integrationsAdapters.js';
import type { Mailer } from '../application/ports/mailer.js';
import type { PaymentGateway } from '../application/ports/paymentGateway.js';
import type { FileStorage } from '../application/ports/fileStorage.js';
import type { ReportAnalyzer } from '../application/ports/reportAnalyzer.js';

/** Verifies a bearer token: the actor it stands for, or null (bad, expired or revoked). */
export type Authenticate = (token: string) => Promise<Actor | null>;

export interface Overrides {
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  /** Scheduler polling interval; tests shorten it. */
  schedulerPollMs?: number;
  /** How long a job lock lives before another worker may take the job; tests shorten it. */
  schedulerLockLifetimeMs?: number;
  /** Tests wrap the outside-world adapters (to inject their failures); unset, the chosen adapters are used as they are. */
  wrapAdapters?: AdapterWrappers;
}

export interface AdapterWrappers {
  mailer?(mailer: Mailer): Mailer;
  gateway?(gateway: PaymentGateway): PaymentGateway;
  files?(files: FileStorage): FileStorage;
  analyzer?(analyzer: ReportAnalyzer): ReportAnalyzer;
}

function wrapReportAdapters(chosen: { storage: FileStorage; analyzer: ReportAnalyzer }, wrap: AdapterWrappers | undefined) {
  return { storage: wrap?.files?.(chosen.storage) ?? chosen.storage, analyzer: wrap?.analyzer?.(chosen.analyzer) ?? chosen.analyzer };
}

/** The stores behind the ports, chosen by configuration alone. */
interface Stores {
  events: EventStore;
  reads: ReadStore;
  scheduler: Scheduler;
  idempotency: IdempotencyStore;
  personalDataKeys: PersonalDataKeys;
  ledger: LedgerStore;
  /** Leases that give each projection and reactor one owner across the instances sharing these stores. */
  leases(clock: Clock): Leases;
  /** Rate-limit counters shared by all instances (production profile); absent, each limiter counts in memory. */
  rateLimitCounters?: CounterCollection;
  /** Snapshots of long streams (a cache: losing them costs full reads, nothing else). */
  snapshots: SnapshotStore;
  close(): Promise<void>;
}

function idempotencyTtl(config: Config) {
  return { completedMs: config.IDEMPOTENCY_KEY_TTL_SECONDS * 1000, inProgressMs: config.IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS * 1000 };
}

async function openStores(config: Config, log: Logger, timing: { processEvery: number; lockLifetime?: number }): Promise<Stores> {
  const upcast = upcasterChain(upcasters);
  const schedulerLog = log.child({ component: 'scheduler' });
  if (config.profile === 'production') {
    if (!config.EVENTSTORE_URL || !config.MONGODB_URL) {
      throw new Error('The production profile needs both EVENTSTORE_URL and MONGODB_URL.');
    }
    const events = EventStoreDbEventStore.connect(config.EVENTSTORE_URL, upcast);
    const mongo = await connectMongo(config.MONGODB_URL);
    const db = mongo.db(config.MONGODB_DB);
    const reads = new MongoReadStore(db);
    const scheduler = await createMongoScheduler(db, { ...timing, logger: schedulerLog });
    const idempotency = new MongoIdempotencyStore(db, idempotencyTtl(config));
    await idempotency.ensureIndexes();
    return {
      events, reads, scheduler, idempotency, rateLimitCounters: db.collection('rate_limits'), personalDataKeys: new MongoPersonalDataKeys(db),
      ledger: new MongoLedgerStore(db), leases: (clock) => new MongoLeases(db, clock), snapshots: new MongoSnapshotStore(db),
      close: async () => { await events.close(); await reads.close(); await mongo.close(); },
    };
  }
  // Events commit with the configured durability; read models, receipts and jobs can be rebuilt or
  // re-derived from events, so their commits trade a little durability for speed. One connection
  // serves all: a second one would discard this one's page cache after each of its writes.
  const db: Database.Database = openDatabase(config.sqliteFile, 'normal');
  const events = new SqliteEventStore(db, upcast, { synchronous: config.SQLITE_SYNCHRONOUS });
  const reads = new SqliteReadStore(db);
  const scheduler = await createSqliteScheduler(db, { ...timing, logger: schedulerLog });
  return {
    events, reads, scheduler, idempotency: new SqliteIdempotencyStore(db, idempotencyTtl(config)), personalDataKeys: new SqlitePersonalDataKeys(db),
    ledger: new SqliteLedgerStore(db), leases: (clock) => new SqliteLeases(db, clock), snapshots: new SqliteSnapshotStore(db),
    close: async () => { await events.close(); await reads.close(); db.close(); },
  };
}

/**
 * The one composition root: picks adapters for the ports from configuration and wires every bounded
 * context. Each context contributes a module (commands, queries, projections, reactors, jobs).
 */
export async function buildServices(config: Config, overrides: Overrides = {}) {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? uuidIds;
  const metrics: Metrics = createMetrics();
  const stores = await openStores(config, log, {
    processEvery: overrides.schedulerPollMs ?? 1000, lockLifetime: overrides.schedulerLockLifetimeMs,
  });
  const { scheduler, idempotency, personalDataKeys } = stores;
  // Queries read each projection's live generation; a rebuild builds the next one aside and swaps.
  const reads = new GenerationRouting(stores.reads);
  // Outermost, so personal fields are sealed before the store hashes and writes them.
  const events: EventStore = new PersonalDataEventStore(stores.events, personalDataKeys, personalDataRules);
  // Made once and never erased; kept in memory after the first use (sign-in and sign-up need it).
  let lookupKey: Promise<Buffer> | null = null;
  const emailLookupKey = (): Promise<Buffer> => (lookupKey ??= personalDataKeys.keyFor(EMAIL_LOOKUP_KEY_OWNER).then((key) => {
    if (!key) throw new Error('the e-mail lookup key was erased from the key store');
    return key;
  }));
  const handlerDeps: HandlerDeps = {
    events, clock, ids, onConflict: metrics.conflict, snapshots: stores.snapshots, personalData: personalDataKeys,
    onSnapshotFailed: (streamId, error) => log.warn({ err: error, streamId }, 'snapshot could not be read or saved; the command went on without it'),
  };
  const modules: ContextModule[] = [];
  const add = <M extends ContextModule>(module: M): M => { modules.push(module); return module; };
  // Read-your-writes for commands that answer from a read model; the runner is built once every
  // context has contributed its projections, below.
  const waitForProjections = (position: number) => projections.waitFor(position);

  // The ledger reads the store beneath the personal-data wrapper: leaves need only stored hashes.
  const ledger = wireLedger({
    config, events: stores.events, store: stores.ledger, clock, log, sqliteFile: config.profile === 'production' ? undefined : config.sqliteFile,
  });

  // ---- bounded contexts: each adds `const x = add(createXModule({...}))` below ----
  const identityPorts = identityAdapters(config, clock, log);
  identityPorts.mailer = overrides.wrapAdapters?.mailer?.(identityPorts.mailer) ?? identityPorts.mailer;
  const { mailer, devMailbox } = identityPorts;
  const identity = add(createIdentityModule({
    ...identityPorts, handler: handlerDeps, reads, emailLookupKey,
    waitForProjections,
    reportError: (error, message) => log.error({ err: error }, message),
  }));

  const scheduling = add(createSchedulingModule({ handler: handlerDeps, reads, minNoticeMinutes: config.MIN_NOTICE_MINUTES }));
  const appointments = add(createAppointmentsModule({
    handler: handlerDeps, reads, scheduler, mailer,
    holdTtlSeconds: config.HOLD_TTL_SECONDS, minNoticeMinutes: config.MIN_NOTICE_MINUTES,
    waitForProjections,
    calendars: appointmentCalendarAdapters(config),
  }));

  const { wallet, payments, razorpaySimulator } = wirePayments({
    config, handler: handlerDeps, reads, mailer, log, booking: appointments,
    waitForProjections, wrapGateway: overrides.wrapAdapters?.gateway,
  });
  add(wallet);
  add(payments);

  const reports = add(createReportsModule({
    ...wrapReportAdapters(reportAdapters(config, clock, log), overrides.wrapAdapters), handler: handlerDeps, reads, scheduler,
    analysisBackoffMs: config.ANALYSIS_RETRY_BACKOFF_MS,
    reportError: (error, message) => log.error({ err: error }, message),
  }));

  const consultations = add(createConsultationsModule({
    handler: handlerDeps, reads, scheduler,
    appointments,
    ice: { stunUrls: config.STUN_URLS, turnUrls: config.TURN_URLS, turnSecret: config.TURN_SECRET, turnTtlSeconds: config.TURN_TTL_SECONDS },
  }));

  const personalData = createPersonalDataModule({ handler: handlerDeps, keys: personalDataKeys, emailLookupKey, events, reads, clock });

  const audit = add(createAuditModule({ handler: handlerDeps, reads, ledger: ledger.queries, sign: (message) => ledger.signer.sign(message) }));

  const integrations = add(createIntegrationsModule({
    ...integrationsAdapters(config), handler: handlerDeps, reads, scheduler, waitForProjections,
    log: log.child({ component: 'integrations' }),
  }));

  // ---- end of bounded contexts ----

  // One owner per projection and reactor across instances, by lease; this process's id names it there.
  const ownership: Ownership = { leases: stores.leases(clock), owner: `${hostname()}:${process.pid}:${ids.next()}`, ttlMs: config.LEASE_TTL_MS };
  const projections = new ProjectionRunner(
    { events, reads, clock, log: log.child({ component: 'projections' }), observer: metrics.observer, ownership },
    modules.flatMap((m): Projection[] => m.projections ?? []),
  );
  const reactors = new ReactorRunner(
    {
      events, reads, clock, log: log.child({ component: 'reactors' }), ownership,
      retry: {
        attempts: config.REACTOR_RETRY_ATTEMPTS, baseDelayMs: config.REACTOR_RETRY_BASE_DELAY_MS,
        maxDelayMs: config.REACTOR_RETRY_MAX_DELAY_MS, redriveEveryMs: config.REACTOR_REDRIVE_INTERVAL_MS,
      },
    },
    modules.flatMap((m): Reactor[] => m.reactors ?? []),
  );
  const jobs = modules.flatMap((m): JobDefinition[] => m.jobs ?? []);
  for (const job of jobs) scheduler.define(job.name, job.handler, job.options);

  let started = false;
  return {
    config, log, clock, ids, metrics, events, reads, scheduler, idempotency, handlerDeps, projections, reactors,
    identity, mailer, devMailbox, reports,
    scheduling, appointments,
    payments, wallet, razorpaySimulator,
    consultations,
    integrations,
    personalData, emailLookupKey,
    ledger, audit,
    /** Verifies a bearer token (signature, expiry, current token version). */
    authenticate: identity.authenticate as Authenticate,
    /** A store for one rate limiter, shared by every instance; undefined: the limiter counts in memory. */
    rateLimitStore: (): Store | undefined => (stores.rateLimitCounters ? new MongoRateLimitStore(stores.rateLimitCounters, clock) : undefined),
    async start(): Promise<void> {
      await projections.start();
      await reactors.start();
      await integrations.liveStatus.start();
      await ledger.writer.start();
      ledger.announce();
      await scheduler.start();
      for (const job of jobs) if (job.everyMs !== undefined) await scheduler.every(job.name, job.everyMs);
      started = true;
    },
    async stop(): Promise<void> {
      if (started) {
        await integrations.liveStatus.stop();
        await scheduler.stop();
        await reactors.stop();
        await ledger.writer.stop();
        await projections.stop();
      }
      await stores.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof buildServices>>;
