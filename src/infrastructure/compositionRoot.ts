import type Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import type { Config } from './config.js';
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
import { createMetrics, type Metrics } from './observability/metrics.js';
import { upcasters } from './eventStore/upcasters.js';
import { wirePayments } from './payments/paymentsWiring.js';
import { createIdentityModule } from '../application/identity/identity.module.js';
import { identityAdapters } from './identity/identityAdapters.js';
import { createSchedulingModule } from '../application/scheduling/scheduling.module.js';
import { createAppointmentsModule } from '../application/appointments/appointments.module.js';
import { createConsultationsModule } from '../application/consultations/consultations.module.js';
import { createReportsModule } from '../application/reports/reports.module.js';
import { reportAdapters } from './reports/reportAdapters.js';
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
  close(): Promise<void>;
}

async function openStores(config: Config, log: Logger, timing: { processEvery: number; lockLifetime?: number }): Promise<Stores> {
  const upcast = upcasterChain(upcasters);
  const schedulerLog = log.child({ component: 'scheduler' });
  if (config.profile === 'production') {
    if (!config.EVENTSTORE_URL || !config.MONGODB_URL) {
      throw new Error('The production profile needs both EVENTSTORE_URL and MONGODB_URL.');
    }
    const events = EventStoreDbEventStore.connect(config.EVENTSTORE_URL, upcast);
    const mongo = await MongoClient.connect(config.MONGODB_URL);
    const db = mongo.db(config.MONGODB_DB);
    const reads = new MongoReadStore(db);
    const scheduler = await createMongoScheduler(db, { ...timing, logger: schedulerLog });
    return {
      events, reads, scheduler, idempotency: new MongoIdempotencyStore(db),
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
    events, reads, scheduler, idempotency: new SqliteIdempotencyStore(db),
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
  const { events, reads, scheduler, idempotency } = stores;
  const handlerDeps: HandlerDeps = { events, clock, ids, onConflict: metrics.conflict };
  const modules: ContextModule[] = [];
  const add = <M extends ContextModule>(module: M): M => { modules.push(module); return module; };
  // Read-your-writes for commands that answer from a read model; the runner is built once every
  // context has contributed its projections, below.
  const waitForProjections = (position: number) => projections.waitFor(position);

  // ---- bounded contexts: each adds `const x = add(createXModule({...}))` below ----
  const identityPorts = identityAdapters(config, clock, log);
  identityPorts.mailer = overrides.wrapAdapters?.mailer?.(identityPorts.mailer) ?? identityPorts.mailer;
  const { mailer, devMailbox } = identityPorts;
  const identity = add(createIdentityModule({
    ...identityPorts, handler: handlerDeps, reads,
    waitForProjections,
    reportError: (error, message) => log.error({ err: error }, message),
  }));

  const scheduling = add(createSchedulingModule({ handler: handlerDeps, reads, minNoticeMinutes: config.MIN_NOTICE_MINUTES }));
  const appointments = add(createAppointmentsModule({
    handler: handlerDeps, reads, scheduler, mailer,
    holdTtlSeconds: config.HOLD_TTL_SECONDS, minNoticeMinutes: config.MIN_NOTICE_MINUTES,
    waitForProjections,
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

  // ---- end of bounded contexts ----

  const projections = new ProjectionRunner(
    { events, reads, clock, log: log.child({ component: 'projections' }), observer: metrics.observer },
    modules.flatMap((m): Projection[] => m.projections ?? []),
  );
  const reactors = new ReactorRunner(
    {
      events, reads, clock, log: log.child({ component: 'reactors' }),
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
    /** Verifies a bearer token (signature, expiry, current token version). */
    authenticate: identity.authenticate as Authenticate,
    async start(): Promise<void> {
      await projections.start();
      await reactors.start();
      await scheduler.start();
      for (const job of jobs) if (job.everyMs !== undefined) await scheduler.every(job.name, job.everyMs);
      started = true;
    },
    async stop(): Promise<void> {
      if (started) {
        await scheduler.stop();
        await reactors.stop();
        await projections.stop();
      }
      await stores.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof buildServices>>;
