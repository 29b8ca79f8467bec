/**
 * The ceiling for the booking bench: an express app with the service's middleware stack (request id,
 * pino-http, helmet, CORS, rate limit, JSON body) whose handler does one bare SQLite append with a
 * version check (bareAppend.ts), in the service's default durability mode (FULL). Prints `ready <url>`.
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
import { bareAppender } from '../bareAppend.js';

const bare = bareAppender(join(mkdtempSync(join(tmpdir(), 'hv-bench-ceiling-')), 'ceiling.sqlite'), 'full');

const app = express();
app.use((req, res, next) => { res.set('X-Request-Id', randomUUID()); next(); });
app.use(pinoHttp({ logger: pino({ level: 'silent' }) }));
app.use(helmet());
app.use(cors());
app.use('/api', rateLimit({ windowMs: 60_000, limit: 10_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
app.use(express.json({ limit: '100kb' }));
app.post('/api/appointments', (req, res) => {
  const position = bare.append(`slot-${String(req.body.slotId)}`, JSON.stringify(req.body));
  res.status(201).json({ position });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
