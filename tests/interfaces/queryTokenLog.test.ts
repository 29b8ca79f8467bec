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

describe('a token in the query string', () => {
  it('is not written to the request log (a calendar feed address is a credential)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-log-'));
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
    const services = await buildServices(
      loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir, SEED_DEMO: 'false', BCRYPT_COST: '4' }),
      { log: createLogger('info', 'json', sink) },
    );
    try {
      await services.start();
      await request(createHttpApp(services)).get('/api/doctors/me/calendar.ics?token=ZG9j.very-secret-feed-token').expect(404);
    } finally {
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    const logged = lines.filter((line) => line.includes('calendar.ics'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]).req.url).toBe('/api/doctors/me/calendar.ics?token=[redacted]');
    expect(lines.join('\n')).not.toContain('very-secret-feed-token');
  });
});
