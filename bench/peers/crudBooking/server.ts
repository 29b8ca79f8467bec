/**
 * The plain CRUD peer for the booking bench: express 5 with the service's middleware stack (request
 * id + duration metric, pino-http, helmet, CORS, rate limit, JSON body), JWT + user lookup, then one
 * PostgreSQL transaction per booking: lock the patient row, count live holds, guarded
 * `UPDATE slots … RETURNING`, insert the appointment and its hold-expiry job. Commits are durable
 * (synchronous_commit=on). Seeds its own doctors, slots and patients, writes the fixture (same shape as
 * bookingTarget.ts) to argv[3] and prints `ready`. Usage: server.ts <postgres url> <fixture file> <patients> [log level].
 */
import express from 'express';
import helmet from 'helmet';
import cors from 'cors';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { createSecretKey, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const [url, fixtureFile, patientsArg, level = 'silent'] = process.argv.slice(2);
const patients = Number(patientsArg ?? 2000);
const MAX_LIVE_HOLDS = 3;
const HOLD_TTL_SECONDS = 900;
const SLOT_MINUTES = 5;
const ISSUER = 'healthvision';
const AUDIENCE = 'healthvision-api';
const key = createSecretKey(Buffer.from(randomUUID(), 'utf8'));

const pool = new pg.Pool({ connectionString: url, max: 10 });

await pool.query(`
  CREATE TABLE users (id uuid PRIMARY KEY, role text NOT NULL, token_version int NOT NULL, email_verified boolean NOT NULL);
  CREATE TABLE patients (id uuid PRIMARY KEY REFERENCES users (id));
  CREATE TABLE slots (id uuid PRIMARY KEY, doctor_id uuid NOT NULL, start_at timestamptz NOT NULL, end_at timestamptz NOT NULL,
    fee_paise int NOT NULL, status text NOT NULL, appointment_id uuid, hold_expires_at timestamptz);
  CREATE TABLE appointments (id uuid PRIMARY KEY, patient_id uuid NOT NULL REFERENCES patients (id), doctor_id uuid NOT NULL,
    slot_id uuid NOT NULL REFERENCES slots (id), start_at timestamptz NOT NULL, end_at timestamptz NOT NULL, fee_paise int NOT NULL,
    status text NOT NULL, hold_expires_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX appointments_live_holds ON appointments (patient_id, status, hold_expires_at);
  CREATE TABLE jobs (id bigserial PRIMARY KEY, name text NOT NULL, run_at timestamptz NOT NULL, data jsonb NOT NULL);
`);
// Two doctors, as in bookingTarget.ts; slots start an hour ahead, 5 minutes each, alternating doctors.
const doctors = [randomUUID(), randomUUID()];
await pool.query(`
  INSERT INTO slots (id, doctor_id, start_at, end_at, fee_paise, status)
  SELECT gen_random_uuid(), (ARRAY[$1::uuid, $2::uuid])[1 + i % 2], now() + interval '1 hour' + (i / 2) * interval '${SLOT_MINUTES} minutes',
         now() + interval '1 hour' + (i / 2 + 1) * interval '${SLOT_MINUTES} minutes', 50000, 'available'
  FROM generate_series(0, $3::int - 1) AS i`, [...doctors, patients * MAX_LIVE_HOLDS + 100]);
const patientIds = Array.from({ length: patients }, () => randomUUID());
await pool.query(`INSERT INTO users (id, role, token_version, email_verified) SELECT unnest($1::uuid[]), 'patient', 0, true`, [patientIds]);
await pool.query('INSERT INTO patients (id) SELECT unnest($1::uuid[])', [patientIds]);
await pool.query('VACUUM ANALYZE');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const tokens = patientIds.map((id) => jwt.sign({ role: 'patient', tv: 0, iat: nowSeconds() }, key,
  { algorithm: 'HS256', subject: id, issuer: ISSUER, audience: AUDIENCE, expiresIn: 3600 }));
const slotIds = (await pool.query<{ id: string }>('SELECT id FROM slots ORDER BY start_at, doctor_id')).rows.map((r) => r.id);

const problem = (res: express.Response, status: number, code: string) =>
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: `about:blank#${code}`, title: code, status }));

const registry = new Registry();
const httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'], registers: [registry] });
const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,100}$/;
const bookBody = z.strictObject({ slotId: z.string().min(1).max(200) });

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 'loopback');
app.set('query parser', 'simple');
app.use((req, res, next) => {
  const incoming = req.get('x-request-id');
  const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.set('X-Request-Id', id);
  (req as { id?: string }).id = id;
  const end = httpDuration.startTimer({ method: req.method });
  res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
  next();
});
app.use(pinoHttp({
  logger: pino({ level }, pino.destination({ dest: '/dev/null', sync: false })),
  genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
  serializers: {
    req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
  },
}));
app.use(helmet());
app.use(cors({ origin: false, exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'] }));
app.use('/api', rateLimit({
  windowMs: 60_000, limit: 10_000_000, standardHeaders: 'draft-8', legacyHeaders: false,
  keyGenerator: (req) => `global:${ipKeyGenerator(req.ip ?? 'unknown')}`,
}));
app.use(express.json({ limit: '100kb' }));

/** The token must verify and still match its account (role, token version, verified e-mail), as in the service. */
app.use(async (req, res, next) => {
  const header = req.headers.authorization;
  if (!header) return next();
  const token = /^Bearer +([A-Za-z0-9\-_=.]+)$/i.exec(header)?.[1];
  type Claims = { sub?: unknown; role?: unknown; tv?: unknown };
  let claims: Claims | null = null;
  try {
    if (token) claims = jwt.verify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: nowSeconds() }) as Claims;
  } catch { /* refused below */ }
  if (!claims || typeof claims.sub !== 'string') return problem(res, 401, 'invalid_token');
  const { rows } = await pool.query<{ role: string; token_version: number; email_verified: boolean }>(
    { name: 'user', text: 'SELECT role, token_version, email_verified FROM users WHERE id = $1', values: [claims.sub] });
  const user = rows[0];
  if (!user || user.token_version !== claims.tv || user.role !== claims.role || !user.email_verified) return problem(res, 401, 'invalid_token');
  (req as { actor?: { userId: string; role: string } }).actor = { userId: claims.sub, role: user.role };
  next();
});

app.post('/api/appointments', async (req, res) => {
  const actor = (req as { actor?: { userId: string; role: string } }).actor;
  if (!actor) return problem(res, 401, 'authentication_required');
  if (actor.role !== 'patient') return problem(res, 403, 'forbidden_role');
  const parsed = bookBody.safeParse(req.body ?? {});
  if (!parsed.success) return problem(res, 400, 'validation_failed');
  const { slotId } = parsed.data;
  const appointmentId = randomUUID();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({ name: 'lock-patient', text: 'SELECT id FROM patients WHERE id = $1 FOR UPDATE', values: [actor.userId] });
    const live = await client.query<{ n: number }>({ name: 'live-holds', values: [actor.userId],
      text: "SELECT count(*)::int AS n FROM appointments WHERE patient_id = $1 AND status = 'pending_payment' AND hold_expires_at > now()" });
    if (live.rows[0].n >= MAX_LIVE_HOLDS) {
      await client.query('ROLLBACK');
      return problem(res, 409, 'too_many_holds');
    }
    const held = await client.query<{ doctor_id: string; start_at: Date; end_at: Date; fee_paise: number; hold_expires_at: Date }>({
      name: 'hold-slot',
      text: `UPDATE slots SET status = 'held', appointment_id = $2, hold_expires_at = now() + make_interval(secs => $3)
             WHERE id = $1 AND start_at > now() AND (status = 'available' OR (status = 'held' AND hold_expires_at <= now()))
             RETURNING doctor_id, start_at, end_at, fee_paise, hold_expires_at`,
      values: [slotId, appointmentId, HOLD_TTL_SECONDS],
    });
    const slot = held.rows[0];
    if (!slot) {
      await client.query('ROLLBACK');
      return problem(res, 409, 'slot_unavailable');
    }
    await client.query({
      name: 'insert-appointment',
      text: `INSERT INTO appointments (id, patient_id, doctor_id, slot_id, start_at, end_at, fee_paise, status, hold_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_payment', $8)`,
      values: [appointmentId, actor.userId, slot.doctor_id, slotId, slot.start_at, slot.end_at, slot.fee_paise, slot.hold_expires_at],
    });
    await client.query({ name: 'insert-job', text: "INSERT INTO jobs (name, run_at, data) VALUES ('expire-hold', $1, $2)",
      values: [slot.hold_expires_at, JSON.stringify({ appointmentId })] });
    await client.query('COMMIT');
    res.status(201).json({ appointmentId, status: 'pending_payment', slotId, holdExpiresAt: slot.hold_expires_at.toISOString(), feePaise: slot.fee_paise });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});
app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  void _next;
  if ((error as { type?: string }).type === 'entity.parse.failed') return problem(res, 400, 'malformed_json');
  problem(res, 500, 'internal');
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  writeFileSync(fixtureFile, JSON.stringify({ url: `http://127.0.0.1:${port}`, tokens, slotIds }));
  console.log('ready');
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
