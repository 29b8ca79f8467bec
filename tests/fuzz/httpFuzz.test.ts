import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpServer } from '../../src/interfaces/http/httpServer.js';
import { startTestApp, type TestApp } from '../support/testApp.js';
import { givenUser, type GivenUser } from '../support/identity.js';
import { untilQuiet } from '../support/polling.js';
import { bearer, givenConfirmedAppointment, givenSlots } from '../support/booking.js';
import { DIABETIC_PANEL, labReportPdf, tinyPng } from '../support/sampleReports.js';

/**
 * Fuzzes every route the service documents in its own OpenAPI document with hostile input, and holds
 * it to the rule "bad input gets a clear 4xx problem+json and changes nothing; no input may crash the
 * process or leak a stack". Reproduce a failure with the seed it prints: `FUZZ_SEED=<seed> npx jest ...`.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/**
 * `npm run fuzz` sets FUZZ_REQUESTS (at least that many single requests, spread evenly over the routes,
 * with FUZZ_BUDGET_SECONDS to send them in) and FUZZ_REPORT (a JSON summary); `npm test` runs a sample.
 */
const TARGET_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 0);
const BUDGET_SCALE = process.env.FUZZ_BUDGET_SECONDS ? Number(process.env.FUZZ_BUDGET_SECONDS) / 37 : 1;
const REPORT = process.env.FUZZ_REPORT;
/** Requests per route; the whole file stays well under 40 s on a shared two-core machine. */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 60);
const BURSTS_PER_ROUTE = Number(process.env.FUZZ_BURSTS ?? 10);
const ROUTE_TIME_LIMIT_MS = 2_500 * BUDGET_SCALE;
/** Wall-clock budgets for the two fuzz loops, shared out among the routes, so a loaded machine shortens runs instead of timing out. */
const SINGLE_BUDGET_MS = 25_000 * BUDGET_SCALE;
const BURST_BUDGET_MS = 12_000 * BUDGET_SCALE;
const REQUEST_TIMEOUT_MS = 10_000;

/** The time a route may take: its fair share of what is left of the budget, at most ROUTE_TIME_LIMIT_MS. */
function routeTimeLimit(deadline: number, routesLeft: number): number {
  return Math.max(200, Math.min(ROUTE_TIME_LIMIT_MS, (deadline - Date.now()) / routesLeft));
}

type Who = 'anonymous' | 'patient' | 'doctor' | 'admin' | 'auditor' | 'garbage';

interface JsonSchema {
  type?: string; format?: string; pattern?: string; example?: unknown; enum?: unknown[];
  minimum?: number; maximum?: number; exclusiveMinimum?: boolean; minLength?: number; maxLength?: number; minItems?: number; maxItems?: number;
  properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; oneOf?: JsonSchema[];
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: JsonSchema }>;
  json?: JsonSchema;
  multipart?: JsonSchema;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer { status: number; headers: IncomingHttpHeaders; text: string }

let t: TestApp;
let server: Server;
let base: { host: string; port: number };
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const users = {} as Record<Exclude<Who, 'anonymous' | 'garbage'>, GivenUser>;
const real: Record<string, string[]> = {};
/** Real file bytes, so that some uploads are accepted and reach the handlers behind the parser. */
const files: Buffer[] = [];
const crashes: unknown[] = [];
const onCrash = (error: unknown) => { crashes.push(error); };

const sent = { requests: 0, singles: 0, fiveHundreds: 0 };

function send(req: FuzzRequest): Promise<Answer> {
  sent.requests += 1;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body) headers['content-length'] = req.body.length;
    const outgoing = httpRequest({ ...base, agent, method: req.method, path: req.path, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 500) sent.fiveHundreds += 1;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const head = () => t.services.events.headPosition();

const quiet = () => untilQuiet(t.services.events);

// ---------------------------------------------------------------- hostile material

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD, as a browser would send them). */
const encode = (s: string) => [...Buffer.from(s, 'utf8')]
  .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
  .join('');

const nastyString = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '../../../etc/passwd', '..\\..\\win.ini', '%00', ':', '::', '__proto__', 'constructor',
    'prototype', '1e309', '-0', 'NaN', 'Infinity', '-1', '0x10', '9007199254740993', '\ud800', '\udfff\ud800', '\u202e\u0000',
    '🩺🩺🩺', 'null', 'undefined', 'true', '{"$gt": ""}', "' OR '1'='1", '<script>alert(1)</script>', '${7*7}', '%s%s%n',
    'Asia/Kolkata\u0000', 'Mars/Olympus', '2030-02-30T25:61:00Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z',
    '99999999999999999999999', 'appointment-x', 'user-', '\r\nX-Injected: 1',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(300, 5_000, 70_000).map((n) => 'x'.repeat(n)),
);

const rawNumber = fc.constantFrom('1e309', '-1e309', '-0', '1e-400', '0.1', '1.5', '-1', '0', '9007199254740993', '1e21', '123456789012345678901234567890123');
const operator = fc.constantFrom('{"$gt":""}', '{"$ne":null}', '{"$where":"sleep(100)"}', '{"$regex":".*"}', '{"__proto__":{"role":"admin"}}');
const deepNesting = fc.oneof(
  fc.integer({ min: 100, max: 40_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 100, max: 15_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
);
const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '$gt', '$where', 'toString', 'hasOwnProperty', 'valueOf', '', 'role', 'isAdmin', 'userId'),
  nastyString,
).map((k) => JSON.stringify(k));

/** JSON text (not values: `1e309`, `-0` and duplicate `__proto__` keys only exist as text). */
const { json: hostileJson } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    nastyString.map((s) => JSON.stringify(s)),
    rawNumber,
    fc.constantFrom('true', 'false', 'null'),
    operator,
    deepNesting,
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('json'), { maxLength: 4 }).map((xs) => `[${(xs as string[]).join(',')}]`),
  object: fc.array(fc.tuple(hostileKey, tie('json')), { maxLength: 4 })
    .map((es) => `{${(es as Array<[string, string]>).map(([k, v]) => `${k}:${v}`).join(',')}}`),
})) as { json: fc.Arbitrary<string> };

// ---------------------------------------------------------------- near-valid bodies from the documented schemas

/** Values the service must accept or refuse cleanly, for fields whose meaning a schema does not carry. */
const EDGES_BY_NAME: Record<string, () => fc.Arbitrary<unknown>> = {
  email: () => fc.constantFrom(users.patient.email, users.doctor.email, 'Fuzz.User+tag@Example.TEST', 'ü@例え.jp', `${'a'.repeat(64)}@${'b'.repeat(180)}.test`),
  to: () => fc.constantFrom(users.patient.email, 'nobody@example.test'),
  password: () => fc.constantFrom('long enough pw', users.patient.password, 'é'.repeat(36), ' '.repeat(8), '\u0000'.repeat(8)),
  newPassword: () => fc.constantFrom('long enough pw', 'é'.repeat(36), ' '.repeat(8)),
  // Zones with +14 h, -12 h, 45-minute and half-hour offsets, and DST switches inside the 90-day window.
  timezone: () => fc.constantFrom('Asia/Kolkata', 'UTC', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Kathmandu', 'America/St_Johns', 'America/New_York', 'Australia/Lord_Howe', 'Europe/London'),
  slotId: () => fc.constantFrom(...real.slotId),
  newSlotId: () => fc.constantFrom(...real.slotId),
  appointmentId: () => fc.constantFrom(...real.appointmentId),
  expires: () => fc.constantFrom(...real.expires, '0', '999999999999'),
  sig: () => fc.constantFrom(...real.sig, 'A'.repeat(43)),
};

/** Values the schema accepts, edges first (bounds, multi-byte text at the length limit), so that mutations and handlers see them. */
function validArb(schema: JsonSchema, name = ''): fc.Arbitrary<unknown> {
  if (schema.oneOf) return fc.oneof(...schema.oneOf.map((option) => validArb(option, name)));
  if (EDGES_BY_NAME[name]) return EDGES_BY_NAME[name]();
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'integer': case 'number': {
      const min = (schema.minimum ?? -1e6) + (schema.exclusiveMinimum ? 1 : 0);
      const max = schema.maximum ?? Math.max(min + 1e6, 1e6);
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
    }
    case 'boolean': return fc.boolean();
    case 'array': {
      const min = schema.minItems ?? 0;
      const items = schema.items ? validArb(schema.items) : fc.constant(null);
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(items, { minLength: min, maxLength: Math.max(min, Math.min(schema.maxItems ?? 4, 4)) }) },
        { weight: 1, arbitrary: fc.array(items, { minLength: schema.maxItems ?? 20, maxLength: schema.maxItems ?? 20 }) },
      );
    }
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, validArb(s, k)]));
      return fc.record(properties, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
    }
    default: {
      if (schema.format === 'date-time') {
        return fc.constantFrom('1970-01-01T00:00:00Z', '2030-01-08T04:00:00.000Z', '2030-03-10T07:30:00Z', '9999-12-31T23:59:59.999Z', '2030-01-08T09:30:00+05:30');
      }
      if (schema.pattern === '^\\d{6}$') return fc.constantFrom('000000', '123456', '999999');
      if (schema.pattern?.includes('[0-5]\\d')) return fc.constantFrom('00:00', '23:59', '24:00', '02:30', '09:00', '12:00');
      if (schema.example !== undefined) return fc.constant(schema.example);
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 200;
      return fc.oneof(
        fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(max, 30)) }).filter((v) => v.length >= min && v.length <= max),
        fc.constantFrom('é'.repeat(max), '🩺'.repeat(Math.floor(max / 2)), 'x'.repeat(Math.max(min, 1)), ' '.repeat(Math.max(min, 1))),
      );
    }
  }
}

/** A valid object with some fields replaced by hostile JSON, some dropped, and hostile keys added. */
function nearValid(schema: JsonSchema): fc.Arbitrary<string> {
  const keys = Object.keys(schema.properties ?? schema.oneOf?.[0]?.properties ?? {});
  const field = keys.length > 0
    ? fc.tuple(fc.constantFrom(...keys), fc.oneof(hostileJson, fc.constant(undefined)))
    : fc.constant<[string, string | undefined]>(['', undefined]);
  const changes = fc.array(field, { minLength: 0, maxLength: 2 });
  const extra = fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { minLength: 1, maxLength: 2 }) });
  return fc.tuple(validArb(schema), changes, extra).map(([valid, edits, more]) => {
    const entries = new Map<string, string | undefined>(Object.entries(valid as object).map(([k, v]) => [k, JSON.stringify(v)]));
    for (const [k, v] of edits) if (k) entries.set(k, v);
    const kept = [...entries].filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${v}`);
    return `{${[...kept, ...more.map(([k, v]) => `${k}:${v}`)].join(',')}}`;
  });
}

// ---------------------------------------------------------------- bodies, content types, multipart garbage

type Body = { headers: Record<string, string>; body?: Buffer };
const jsonBody = (text: string, contentType = 'application/json'): Body => ({ headers: { 'content-type': contentType }, body: Buffer.from(text, 'utf8') });

const invalidJson = fc.constantFrom(
  '{', '{"a":', "{'a':1}", '{"a":1,}', '\u0000', '\ufeff{}', 'NaN', '[1,2', '{"a":"\\u12"}', '{"a":1}{"b":2}', 'undefined', '',
  '"just a string"', '42', 'null', `{"a":"${'x'.repeat(120_000)}"}`,
);

function multipartGarbage(expectedField: string): fc.Arbitrary<Body> {
  const boundary = 'fuzzboundary';
  const fieldName = fc.constantFrom(expectedField, expectedField, 'file', 'avatar', 'title', '__proto__', '', 'x'.repeat(300), 'a"b');
  const fileName = fc.constantFrom('report.pdf', 'a.png', '../../etc/passwd', 'a\u0000.pdf', '', 'x'.repeat(1000), '%00.pdf', 'ü.pdf');
  const partType = fc.constantFrom('application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'application/x-msdownload', '', 'multipart/mixed');
  const content = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.constantFrom(
      ...files,
      Buffer.from('%PDF-1.4\n%garbage\n1 0 obj << /Type /Catalog >>\n%%EOF'),
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0]),
      Buffer.alloc(0),
    ),
  );
  const part = fc.tuple(fieldName, fc.option(fileName), partType, content).map(([name, file, type, data]) => Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file === null ? '' : `; filename="${file}"`}\r\n`
      + `${type ? `Content-Type: ${type}\r\n` : ''}\r\n`, 'latin1'),
    data, Buffer.from('\r\n'),
  ]));
  const wellFormed = fc.array(part, { maxLength: 4 }).map((parts): Body => ({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
  }));
  const broken = fc.tuple(
    fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary=${boundary}`, 'multipart/form-data; boundary="unterminated', 'multipart/mixed; boundary=x'),
    fc.oneof(
      part.map((p) => p.subarray(0, Math.max(1, p.length - 3))),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.constant(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--${boundary}--\r\n`)),
      fc.constant(Buffer.from(`--${boundary}\r\n${'X-Header: y\r\n'.repeat(2000)}\r\n\r\n--${boundary}--\r\n`)),
    ),
  ).map(([type, body]): Body => ({ headers: { 'content-type': type }, body }));
  const accepted = fc.tuple(fc.constantFrom(...files), fc.option(nastyString.filter((v) => v.length <= 300))).map(([file, title]): Body => ({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${expectedField}"; filename="upload"\r\n\r\n`), file,
      Buffer.from(title === null ? '\r\n' : `\r\n--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${title}\r\n`),
      Buffer.from(`--${boundary}--\r\n`),
    ]),
  }));
  return fc.oneof(wellFormed, broken, accepted);
}

/** Top-level JSON the parser accepts (strict mode refuses bare scalars before any route sees them). */
const hostileDocument = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { maxLength: 5 }).map((es) => `{${es.map(([k, v]) => `${k}:${v}`).join(',')}}`) },
  { weight: 1, arbitrary: fc.array(hostileJson, { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`) },
  { weight: 1, arbitrary: hostileJson },
);

function bodyFor(op: Operation): fc.Arbitrary<Body> {
  const kinds: Array<fc.Arbitrary<Body>> = [
    fc.constant({ headers: {} }),
    hostileDocument.map((s) => jsonBody(s)),
    hostileDocument.map((s) => jsonBody(s)),
    invalidJson.map((s) => jsonBody(s)),
    fc.tuple(
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=utf-16',
        'application/json; charset=bogus', 'application/vnd.api+json', '*/*', 'application/json;;;', 'garbage'),
      fc.oneof(hostileJson, fc.constantFrom('slotId=x&slotId=y&a[b]=c&__proto__[role]=admin', '<x>&xxe;</x>')),
    ).map(([type, s]) => jsonBody(s, type)),
    fc.tuple(fc.constantFrom('gzip', 'deflate', 'br', 'bogus'), fc.uint8Array({ maxLength: 64 }))
      .map(([encoding, bytes]) => ({ headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: Buffer.from(bytes) })),
    multipartGarbage(op.multipart ? Object.keys(op.multipart.properties ?? {})[0] ?? 'file' : 'file'),
  ];
  if (op.json) {
    const valid = validArb(op.json).map((v) => jsonBody(JSON.stringify(v)));
    kinds.push(valid, valid, ...Array.from({ length: 3 }, () => nearValid(op.json!).map((s) => jsonBody(s))));
  }
  if (op.multipart) kinds.push(multipartGarbage(Object.keys(op.multipart.properties ?? {})[0] ?? 'file'));
  return fc.oneof(...kinds);
}

// ---------------------------------------------------------------- paths, queries, credentials

const rawSegment = fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%00', '%', '%E0%A4%A', ':', '::', ';', '%2F', '%20', '%u0000', 'x'.repeat(5_000), '');

function segmentFor(name: string): fc.Arbitrary<string> {
  const known = real[name] ?? [];
  return fc.oneof(
    ...(known.length > 0 ? [fc.constantFrom(...known).map(encode)] : []),
    rawSegment,
    nastyString.filter((s) => s.length < 6_000).map(encode),
  );
}

function queryFor(op: Operation): fc.Arbitrary<string> {
  const name = fc.oneof(
    ...(op.queryParams.length > 0 ? [fc.constantFrom(...op.queryParams.map((p) => p.name))] : []),
    fc.constantFrom('__proto__', 'constructor[prototype][polluted]', 'a[]', 'page[$gt]', 'x'.repeat(300), '', 'status[]', 'limit'),
  );
  const value = fc.oneof(
    fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', '1e309', '-0', 'NaN', '', '[]', '0', '-1', '1.5', '0x10', 'null', 'true', '2030-01-08T04:00:00.000Z'),
    nastyString.filter((s) => s.length < 4_000).map(encode),
  );
  const valid = op.queryParams.map((p) => validArb(p.schema, p.name).map((v) => `${encode(p.name)}=${encode(String(v))}`));
  const pair = fc.oneof(fc.tuple(name, value).map(([n, v]) => `${encode(n)}=${v}`), name.map(encode), ...valid, ...valid);
  return fc.array(pair, { maxLength: 6 }).map((pairs) => (pairs.length > 0 ? `?${pairs.join('&')}` : ''));
}

const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(201), '../x', 'key\u00ff', 'a b', 'fuzz-key-1', 'fuzz-key-2', 'k'.repeat(200), '$gt', '%00', 'a,b'),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
).filter((v) => HEADER_SAFE.test(v));

function authorization(who: Who, garbage: string): Record<string, string> {
  if (who === 'anonymous') return {};
  if (who === 'garbage') return { authorization: garbage };
  return { authorization: `Bearer ${users[who].token}` };
}

function garbageTokens(): string[] {
  const [h, , s] = users.patient.token.split('.');
  const forged = Buffer.from(JSON.stringify({ sub: users.admin.userId, role: 'admin' })).toString('base64url');
  return [
    'Bearer', 'Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(8_000)}`, 'bearer lowercase',
    `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${forged}.`,
    `Bearer ${h}.${forged}.${s}`, `Bearer ${users.patient.token} extra`, `Bearer ${users.patient.token.slice(0, -3)}AAA`,
  ];
}

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const segments = op.pathParams.map((p) => segmentFor(p));
  return fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('PATCH', 'DELETE', 'PUT', 'POST', 'GET', 'HEAD', 'OPTIONS', 'TRACE') }),
    values: fc.tuple(...segments),
    query: queryFor(op),
    body: bodyFor(op),
    who: fc.constantFrom<Who>('anonymous', 'garbage', 'patient', 'doctor', 'admin', 'auditor', 'patient', 'doctor', 'admin', 'auditor'),
    garbage: fc.constantFrom(...garbageTokens()),
    idempotencyKey: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: headerValue }),
    requestId: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: headerValue }),
    // The webhook: mostly signed with the real secret, so hostile bodies get past the signature check.
    signature: fc.oneof({ weight: 3, arbitrary: fc.constant('sign') }, { weight: 1, arbitrary: headerValue }),
    eventId: fc.oneof(fc.constant(null), headerValue),
  }).map(({ method, values, query, body, who, garbage, idempotencyKey, requestId, signature, eventId }) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => values[i++]) + query;
    const headers: Record<string, string> = { ...body.headers, ...authorization(who, garbage) };
    if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
    if (requestId !== null) headers['x-request-id'] = requestId;
    if (op.path === WEBHOOK) {
      headers['x-razorpay-signature'] = signature === 'sign'
        ? createHmac('sha256', t.config.RAZORPAY_WEBHOOK_SECRET).update(body.body ?? Buffer.alloc(0)).digest('hex') : signature;
      if (eventId !== null) headers['x-razorpay-event-id'] = eventId;
    }
    return { method, path, headers, body: body.body };
  });
}

// ---------------------------------------------------------------- what every answer must look like

const STACK = /\bat .*\(?[^\s()]+\.[cm]?[jt]sx?:\d+/;

/** Returns what is wrong with the answer, or null; `changed` says what the request changed, if anything. */
function fault(answer: Answer, changed: string | null, method = 'GET'): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (STACK.test(answer.text) || answer.text.includes('node_modules')) return 'the body leaks a stack trace or a file path';
  if (/root:x:0:0|"name":\s*"healthvision-backend"|JWT_SECRET/.test(answer.text)) return 'the body leaks a server file';
  if (answer.status < 400) return null;
  if (!String(answer.headers['content-type']).startsWith('application/problem+json')) return `a ${answer.status} with content type ${answer.headers['content-type']}`;
  if (method === 'HEAD') return changed ? `a refused HEAD changed something: ${changed}` : null;
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return `a ${answer.status} whose body is not JSON`;
  }
  for (const field of ['type', 'title', 'detail']) if (typeof problem[field] !== 'string') return `problem.${field} is not a string`;
  if (problem.status !== answer.status) return `problem.status ${String(problem.status)} differs from the HTTP status ${answer.status}`;
  if (changed) return `a refused request (${answer.status} ${String(problem.code)}) changed something: ${changed}`;
  return null;
}

function describeRequest(req: FuzzRequest): string {
  const body = req.body ? req.body.toString('utf8') : '';
  return `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}…(${req.path.length})` : req.path}\n`
    + `headers: ${JSON.stringify(req.headers).slice(0, 600)}\nbody: ${JSON.stringify(body.length > 400 ? `${body.slice(0, 400)}…(${body.length})` : body)}`;
}

/**
 * The one refusal that must be remembered: a wrong e-mail code is counted, so that guessing burns the
 * code (brute-force protection); the count survives restarts because it is an event.
 */
const RECORDED_REFUSALS = new Set(['VerificationCodeFailed']);

/** Uploaded files on disk (avatars, reports): a refused upload must not leave one behind. */
function storedFiles(): Set<string> {
  return new Set(['files', 'reports'].flatMap((dir) => {
    try {
      return readdirSync(join(t.config.dataDir, dir), { recursive: true }).map((f) => `${dir}/${String(f)}`);
    } catch {
      return [];
    }
  }));
}

async function exchange(req: FuzzRequest): Promise<void> {
  const before = await head();
  const filesBefore = storedFiles();
  sent.singles += 1;
  const answer = await send(req);
  const appended = (await head()) === before ? [] : await t.services.events.readAll({ fromPosition: before });
  // A reactor's follow-up to an earlier request may land meanwhile; it carries that request's id, not this one's.
  const ours = appended.filter((e) => e.metadata.causationId === null || e.metadata.correlationId === answer.headers['x-request-id']);
  const newFiles = [...storedFiles()].filter((f) => !filesBefore.has(f));
  const changes = [...ours.filter((e) => !RECORDED_REFUSALS.has(e.type)).map((e) => `event ${e.type}`), ...newFiles.map((f) => `file ${f}`)];
  if (appended.length > 0) await quiet();
  const wrong = fault(answer, changes.length > 0 ? changes.join(', ') : null, req.method);
  if (wrong) throw new Error(`${wrong}\n${describeRequest(req)}\nanswer: ${answer.status} ${answer.text.slice(0, 600)}`);
}

// ---------------------------------------------------------------- the run

const WEBHOOK = '/api/payments/webhook';
const entity = (fields: string[]): JsonSchema => ({
  type: 'object', required: [...fields, 'amount'],
  properties: { ...Object.fromEntries(fields.map((f) => [f, { type: 'string', minLength: 1, maxLength: 200 }])), amount: { type: 'integer', minimum: 0, maximum: 10_000_000 } },
});
/** The webhook's body is Razorpay's, not ours, so the document does not describe it: the fields we read. */
const WEBHOOK_BODY: JsonSchema = {
  type: 'object', required: ['event', 'payload'],
  properties: {
    event: { type: 'string', enum: ['payment.captured', 'payment.failed', 'refund.processed', 'order.paid'] },
    payload: {
      type: 'object',
      properties: {
        payment: { type: 'object', required: ['entity'], properties: { entity: entity(['id', 'order_id', 'error_description']) } },
        refund: { type: 'object', required: ['entity'], properties: { entity: entity(['id', 'payment_id']) } },
      },
    },
  },
};

function operations(doc: { paths: Record<string, Record<string, {
  parameters?: Array<{ in: string; name: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    pathParams: (path.match(/\{([^}]+)\}/g) ?? []).map((p) => p.slice(1, -1)),
    queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
    json: op.requestBody?.content['application/json']?.schema ?? (path === WEBHOOK ? WEBHOOK_BODY : undefined),
    multipart: op.requestBody?.content['multipart/form-data']?.schema,
  })));
}

let ops: Operation[] = [];
/** What the service serves besides the API (static files, operations, docs), and paths nobody serves. */
const UNDOCUMENTED: Operation[] = ['/files/avatars/{file}', '/demo/consultation/{file}', '/healthz', '/metrics', '/api-docs', '/api-docs/{file}', '/api/{file}', '/{file}']
  .map((path) => ({ method: 'GET', path, pathParams: path.includes('{file}') ? ['file'] : [], queryParams: [] }));

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  t = await startTestApp({ env: { MIN_NOTICE_MINUTES: '0' } });
  server = createHttpServer(t.http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  [users.patient, users.doctor, users.admin, users.auditor] = await Promise.all(
    (['patient', 'doctor', 'admin', 'auditor'] as const).map((role) => givenUser(t, { role })),
  );
  // Real ids let hostile bodies and queries reach past "not found" into the handlers themselves.
  const slots = await givenSlots(t, users.doctor);
  const appointmentId = await givenConfirmedAppointment(t, users.patient, slots[0]);
  const pdf = await labReportPdf(DIABETIC_PANEL);
  files.push(pdf, tinyPng());
  const uploaded = await request(t.http).post('/api/reports').set(bearer(users.patient)).attach('file', pdf, 'panel.pdf').expect(201);
  const reportId = uploaded.body.reportId as string;
  const link = new URL((await request(t.http).get(`/api/reports/${reportId}`).set(bearer(users.patient)).expect(200)).body.fileUrl as string, 'http://x');
  Object.assign(real, {
    doctorId: [users.doctor.userId], slotId: slots.slice(1, 4), id: [appointmentId, reportId], appointmentId: [appointmentId],
    streamId: [`appointment-${appointmentId}`, `user-${users.patient.userId}`, `report-${reportId}`],
    name: [decodeURIComponent(link.pathname.split('/').pop()!)], expires: [link.searchParams.get('expires')!], sig: [link.searchParams.get('sig')!],
    file: ['index.html', 'consultation.js', 'swagger-ui.css', '.env', '.%2e/.%2e/package.json', '..%2F..%2Fpackage.json', 'x/../../package.json'],
  });
  const docs = await send({ method: 'GET', path: '/api-docs.json', headers: {} });
  ops = [...operations(JSON.parse(docs.text)), ...UNDOCUMENTED];
}, 30_000);

afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

describe('HTTP fuzz: hostile input on every documented route', () => {
  it('reads the routes from the service\'s own OpenAPI document', () => {
    // A broken document would make the fuzz below vacuous.
    expect(ops.length - UNDOCUMENTED.length).toBeGreaterThan(30);
    expect(ops.some((o) => o.multipart)).toBe(true);
    expect(ops.some((o) => o.pathParams.length > 0)).toBe(true);
  });

  it('answers every request below 500, refusals as problem+json without a stack, and refusals change nothing', async () => {
    const failures: string[] = [];
    const started = Date.now();
    const deadline = started + SINGLE_BUDGET_MS;
    const runs = Math.max(RUNS_PER_ROUTE, Math.ceil(TARGET_REQUESTS / ops.length));
    for (const [i, op] of ops.entries()) {
      const result = await fc.check(fc.asyncProperty(requestFor(op), exchange), {
        seed: SEED, numRuns: runs, interruptAfterTimeLimit: routeTimeLimit(deadline, ops.length - i), markInterruptAsFailure: false,
      });
      if (result.failed) {
        const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failures.push(`${op.method} ${op.path} (seed ${result.seed}, path "${result.counterexamplePath}", shrunk ${result.numShrinks}×): ${why}`);
      }
      const health = await send({ method: 'GET', path: '/healthz', headers: {} });
      if (health.status !== 200) failures.push(`/healthz answered ${health.status} after fuzzing ${op.method} ${op.path}`);
    }
    if (REPORT) {
      const alive = (await send({ method: 'GET', path: '/healthz', headers: {} })).status === 200;
      const summary = { seed: SEED, routes: ops.length, requests: sent.singles, fiveHundreds: sent.fiveHundreds, routesBreakingRules: failures.length, crashes: crashes.length, alive, seconds: Math.round((Date.now() - started) / 1000) };
      writeFileSync(REPORT, `${JSON.stringify(summary, null, 2)}\n`);
      process.stdout.write(`fuzz: ${summary.requests} requests over ${summary.routes} routes in ${summary.seconds} s: ${summary.fiveHundreds} answers ≥ 500, `
        + `${summary.routesBreakingRules} routes breaking the rules (5xx, stack, non-problem refusal, refusal that changed something), ${alive ? 'process alive' : 'PROCESS DOWN'} (seed ${SEED})\n`);
    }
    if (failures.length > 0) {
      throw new Error(`${failures.length} route(s) broke the rules (reproduce with FUZZ_SEED=${SEED}):\n\n${failures.join('\n\n')}`);
    }
    expect(crashes).toEqual([]);
    // A run asked for N requests must have sent them, not given up early on a slow machine.
    expect(sent.singles).toBeGreaterThanOrEqual(TARGET_REQUESTS);
  }, SINGLE_BUDGET_MS + 95_000);
});

describe('HTTP fuzz: the same hostile request several times at once', () => {
  /** Races between the copies (idempotency claims, stream revisions) must end in 4xx, never 5xx. */
  it('answers every copy below 500, refusals as problem+json', async () => {
    const failures: string[] = [];
    let burst = 0;
    const writes = ops.filter((o) => o.method !== 'GET');
    const deadline = Date.now() + BURST_BUDGET_MS;
    for (const [i, op] of writes.entries()) {
      const copies = fc.tuple(requestFor(op), fc.integer({ min: 2, max: 4 }), fc.boolean());
      const result = await fc.check(fc.asyncProperty(copies, async ([req, n, sameKey]) => {
        const headers = sameKey ? { ...req.headers, 'idempotency-key': `burst-${(burst += 1)}` } : req.headers;
        const answers = await Promise.all(Array.from({ length: n }, () => send({ ...req, headers })));
        await quiet();
        for (const answer of answers) {
          const wrong = fault(answer, null, req.method);
          if (wrong) throw new Error(`${wrong} (one of ${n} at once)\n${describeRequest({ ...req, headers })}\nanswer: ${answer.status} ${answer.text.slice(0, 600)}`);
        }
      }), { seed: SEED, numRuns: BURSTS_PER_ROUTE, interruptAfterTimeLimit: routeTimeLimit(deadline, writes.length - i), markInterruptAsFailure: false });
      if (result.failed) {
        const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failures.push(`${op.method} ${op.path} (seed ${result.seed}, path "${result.counterexamplePath}"): ${why}`);
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} route(s) broke the rules (reproduce with FUZZ_SEED=${SEED}):\n\n${failures.join('\n\n')}`);
    expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
  }, BURST_BUDGET_MS + 48_000);
});

describe('counterexamples the fuzz found, pinned', () => {
  // A path parameter that does not percent-decode got the generic "could not be processed".
  it.each(['/api/doctors/%E0%A4%A', '/api/appointments/%', '/api/reports/files/%zz'])('%s is a 400 malformed_url problem', async (path) => {
    const answer = await send({ method: 'GET', path, headers: { authorization: `Bearer ${users.patient.token}` } });
    expect({ status: answer.status, code: (JSON.parse(answer.text) as { code?: string }).code }).toEqual({ status: 400, code: 'malformed_url' });
    expect(fault(answer, null)).toBeNull();
  });

  const form = (body: string, contentType = 'multipart/form-data; boundary=fuzzboundary') => ({ 'content-type': contentType, body: Buffer.from(body, 'latin1') });
  // Multer let busboy's plain Errors (and its own MISSING_FIELD_NAME) through to the error handler as 500s.
  it.each([
    ['no boundary', form('--fuzzboundary\r\nContent-Disposition: form-data; name="file"\r\n\r', 'multipart/form-data')],
    ['an empty body without a boundary', form('', 'multipart/form-data')],
    ['a malformed part header', form(`--fuzzboundary\r\n${'X-Header: y\r\n'.repeat(2_000)}\r\n\r\n--fuzzboundary--\r\n`)],
    ['a part without a field name', form('--fuzzboundary\r\nContent-Disposition: form-data; name=""\r\nContent-Type: application/pdf\r\n\r\n\r\n--fuzzboundary--\r\n')],
    ['a truncated form', form('--fuzzboundary\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4')],
  ])('%s is a 400 problem on every upload route, and nothing is stored', async (_, { 'content-type': contentType, body }) => {
    for (const [method, path, who] of [['POST', '/api/auth/signup', null], ['PUT', '/api/users/me/avatar', users.doctor], ['POST', '/api/reports', users.patient]] as const) {
      const before = await head();
      const answer = await send({ method, path, body, headers: { 'content-type': contentType, ...(who ? { authorization: `Bearer ${who.token}` } : {}) } });
      expect({ path, status: answer.status, code: (JSON.parse(answer.text) as { code?: string }).code }).toEqual({ path, status: 400, code: 'bad_multipart' });
      expect(fault(answer, null)).toBeNull();
      expect(await head()).toBe(before);
    }
  });
});
