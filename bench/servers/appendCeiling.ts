/**
 * The ceiling for the booking bench: an express app with the service's middleware stack (request id,
 * pino-http, helmet, CORS, rate limit, JSON body) whose handler does one SQLite append with a
 * version check, in the same durability mode. Prints `ready <url>`.
 */
import express from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { rateLimit } from 'express-rate-limit';
import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../src/infrastructure/sqlite/openDatabase.js';

const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'hv-bench-ceiling-')), 'ceiling.sqlite'), 'full');
db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL,
  revision INTEGER NOT NULL, data TEXT NOT NULL, UNIQUE (stream_id, revision))`);
const max = db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream_id = ?');
const insert = db.prepare('INSERT INTO events (stream_id, revision, data) VALUES (?, ?, ?)');
const append = db.transaction((stream: string, data: string) => {
  const r = max.get(stream)?.r ?? -1;
  return Number(insert.run(stream, r + 1, data).lastInsertRowid);
});

const app = express();
app.use((req, res, next) => { res.set('X-Request-Id', randomUUID()); next(); });
app.use(pinoHttp({ logger: pino({ level: 'silent' }) }));
app.use(helmet());
app.use(cors());
app.use('/api', rateLimit({ windowMs: 60_000, limit: 10_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
app.use(express.json({ limit: '100kb' }));
app.post('/api/appointments', (req, res) => {
  const position = append(`slot-${String(req.body.slotId)}`, JSON.stringify(req.body));
  res.status(201).json({ position });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
