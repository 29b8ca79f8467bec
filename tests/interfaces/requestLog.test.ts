import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '../../src/infrastructure/config.js';
import { buildServices } from '../../src/infrastructure/compositionRoot.js';
import { createLogger } from '../../src/infrastructure/logger.js';
import { createHttpApp } from '../../src/interfaces/http/app.js';
import { testLedgerSigningKey } from '../support/ledgerKeys.js';

/** Serves one request through the real app with its log captured, and answers the lines written. */
async function logOfOneRequest(format: 'json' | 'pretty'): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-log-'));
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
  const services = await buildServices(
    loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir, SEED_DEMO: 'false', BCRYPT_COST: '4' }),
    { log: createLogger('info', format, sink) },
  );
  try {
    await services.start();
    await request(createHttpApp(services)).get('/api/doctors?q=khan')
      .set('Authorization', 'Bearer not-a-real-token-but-secret').set('User-Agent', 'a-long-user-agent/1.0').expect(401);
  } finally {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return lines.filter((line) => line.includes('/api/doctors'));
}

describe('request log lines', () => {
  it('carry the request id, method, URL and status, and no headers (JSON lines)', async () => {
    const [line] = await logOfOneRequest('json');
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ req: { method: 'GET', url: '/api/doctors?q=khan' }, res: { statusCode: 401 } });
    expect(Object.keys(entry.req as object).sort()).toEqual(['id', 'method', 'url']);
    expect(line).not.toMatch(/headers|user-agent|not-a-real-token/i);
  });

  it('read as one short line on a developer terminal (pretty)', async () => {
    const lines = await logOfOneRequest('pretty');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*GET \/api\/doctors\?q=khan 401 \d+ms request completed$/);
  });
});

describe('the log format', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-1234', RAZORPAY_KEY_ID: 'k', RAZORPAY_KEY_SECRET: 's', RAZORPAY_WEBHOOK_SECRET: 'w', LEDGER_SIGNING_KEY: testLedgerSigningKey };
  it.each([
    ['a terminal in development', 'pretty', {}, true],
    ['a pipe in development', 'json', {}, false],
    ['a terminal in production', 'json', production, true],
    ['a terminal with LOG_FORMAT=json', 'json', { LOG_FORMAT: 'json' }, true],
  ])('on %s is %s', (_, format, env, terminal) => {
    expect(loadConfig(env, terminal).LOG_FORMAT).toBe(format);
  });
});
