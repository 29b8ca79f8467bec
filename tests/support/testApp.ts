import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { loadConfig, type Config } from '../../src/infrastructure/config.js';
import { buildServices, type AdapterWrappers, type Services } from '../../src/infrastructure/compositionRoot.js';
import { createHttpApp } from '../../src/interfaces/http/app.js';
import { startServer, type RunningServer } from '../../src/interfaces/server.js';
import { openApiDocument } from '../../src/interfaces/http/openapi.js';
import { FakeClock } from './fakeClock.js';
import { recordAnswers, undeclaredAnswers, type Observation, type OpenApiDocument } from './openApiConformance.js';

export interface TestApp {
  services: Services;
  /** The express app, for supertest. */
  http: Express;
  clock: FakeClock;
  config: Config;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (strings, as in a real environment). */
  env?: Record<string, string>;
  clock?: FakeClock;
  /** Use the real clock (for tests with the real scheduler firing at real times). */
  realClock?: boolean;
  dataDir?: string;
  /** Wraps the mailer, gateway, file storage or analyzer the service calls (fault injection). */
  wrapAdapters?: AdapterWrappers;
}

function testConfig(options: TestAppOptions): { config: Config; dataDir: string; owned: boolean } {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'healthvision-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    // Tests fire many requests from one address; the limits under test set their own values.
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    BCRYPT_COST: '4',
    PORT: '0',
    HOST: '127.0.0.1',
    // The ledger's checkpoints follow the fake clock only on the service's thread.
    LEDGER_WRITER: 'inline',
    ...options.env,
  });
  return { config, dataDir, owned: options.dataDir === undefined };
}

/** A started service on a fresh SQLite file in a temporary folder, with a fake clock. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { config, dataDir, owned } = testConfig(options);
  const clock = options.clock ?? new FakeClock();
  const services = await buildServices(config, { clock: options.realClock ? undefined : clock, schedulerPollMs: 50, schedulerLockLifetimeMs: 2000, wrapAdapters: options.wrapAdapters });
  await services.start();
  const http = createHttpApp(services);
  // Every API test also checks the published document: each answer it saw must be declared there.
  const seen: Observation[] = [];
  recordAnswers(http, seen);
  return {
    services, clock, config, http,
    close: async () => {
      await services.stop();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
      const undeclared = undeclaredAnswers(openApiDocument() as OpenApiDocument, seen);
      if (undeclared.length > 0) throw new Error(`Answers the OpenAPI document does not declare:\n  ${undeclared.join('\n  ')}`);
    },
  };
}

/** The whole server listening on 127.0.0.1 (for Socket.io and browser tests). */
export async function startTestServer(options: TestAppOptions = {}): Promise<RunningServer & { clock: FakeClock; cleanup(): Promise<void> }> {
  const { config, dataDir, owned } = testConfig(options);
  const clock = options.clock ?? new FakeClock();
  const server = await startServer(config, { clock: options.realClock ? undefined : clock, schedulerPollMs: 50, schedulerLockLifetimeMs: 2000, wrapAdapters: options.wrapAdapters });
  return {
    ...server, clock,
    cleanup: async () => {
      await server.stop();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
