import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import { IDEMPOTENCY_KEY } from './idempotency.js';

type RouteParameter = NonNullable<RouteConfig['request']>['query'];

extendZodWithOpenApi(z);

const registry = new OpenAPIRegistry();
const documented = new Set<string>();
const operationIds = new Set<string>();

registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi('Problem');

/** A JSON object of any shape (event data, replayed state): `type: object`, so it is never a bare `nullable`. */
export const anyObject = z.record(z.string(), z.unknown()).openapi({ type: 'object', additionalProperties: true });

// Every `/api` call passes the global limiter (draft-8 headers); the auth routes add their own.
registry.registerComponent('headers', 'RateLimit', {
  description: 'Requests left in the current window and seconds until it resets, per policy (e.g. `"global"; r=599; t=42`).',
  required: true,
  schema: { type: 'string' },
});
registry.registerComponent('headers', 'RateLimitPolicy', {
  description: 'The limits that apply: quota and window in seconds (e.g. `"global"; q=600; w=60`).',
  required: true,
  schema: { type: 'string' },
});
// Rate limits send it; a lock that waits for an action instead of time (a new OTP code) cannot.
registry.registerComponent('headers', 'RetryAfter', { description: 'Seconds to wait before retrying (sent by every rate limit).', schema: { type: 'integer' } });
registry.registerComponent('headers', 'IdempotentReplayed', {
  description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
  schema: { type: 'string', enum: ['true'] },
});
const idempotencyKey = registry.registerParameter('IdempotencyKey', z.string().regex(IDEMPOTENCY_KEY).optional().openapi({
  param: {
    name: 'Idempotency-Key', in: 'header',
    description: 'Makes the POST safe to retry: a repeat with the same key and body replays the first answer; '
      + 'another body under the key is 422 `idempotency_key_reused`, a repeat while the first runs is 409 `idempotency_in_progress`.',
  },
}));

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
const rateLimitHeaders = { RateLimit: ref('RateLimit'), 'RateLimit-Policy': ref('RateLimitPolicy') };

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request: invalid input (per-field `errors`), malformed JSON or multipart, or a malformed Idempotency-Key',
  401: 'Unauthorized: a bad, expired or revoked bearer token (on any operation), none where one is needed, or wrong credentials (login)',
  402: 'Payment Required',
  403: 'Forbidden: the caller\'s role may not do this',
  404: 'Not Found',
  409: 'Conflict: the `code` says which; `concurrent_modification` means a simultaneous change to the same record won, and retrying is safe',
  413: 'Content Too Large: the detail names the limit (JSON bodies 100 KiB; uploads per route)',
  415: 'Unsupported Media Type: the detail names the content types the route takes',
  422: 'Unprocessable Content',
  429: 'Too Many Requests: wait `Retry-After` seconds',
  500: 'Internal Server Error: an unexpected fault (logged under the X-Request-Id; the problem carries no details)',
  503: 'Service Unavailable',
};
/** What a POST that takes Idempotency-Key adds to its own 409 and 422. */
const IDEMPOTENCY_NOTES: Record<number, string> = {
  409: '; or `idempotency_in_progress`: the first request with this Idempotency-Key is still running',
  422: '; or `idempotency_key_reused`: this Idempotency-Key was used with another body',
};

export interface RouteDoc {
  method: RouteConfig['method'];
  /** OpenAPI style, e.g. `/api/appointments/{id}`. */
  path: string;
  /** Stable camelCase name of the operation; the typed client's function name. */
  operationId: string;
  tags: string[];
  summary: string;
  auth?: boolean;
  body?: ZodType;
  /** `multipart` documents a form upload instead of JSON; sign-up takes both. */
  multipart?: ZodType;
  query?: RouteParameter;
  params?: RouteParameter;
  /** Status → response schema (or null for no JSON body); problems are documented from `errors`. */
  responses: Record<number, ZodType | null>;
  /** The media types of a file a schema-less (null) success answer sends instead of JSON. */
  files?: readonly string[];
  /**
   * The route's own refusals; those every route of its kind can answer are added here: 401 (a bad
   * token), 400/413/415 (a body), 400/409/422 (Idempotency-Key on POSTs) and 429 (rate limits).
   */
  errors?: number[];
  /** POSTs answer Idempotency-Key unless this is false (sign-in answers carry tokens; see idempotency.ts). */
  idempotent?: boolean;
  /** Served ahead of the `/api` middleware (probes, metrics): no rate limit, no token check, none of their answers. */
  operational?: boolean;
}

/** The statuses any route like `doc` can answer besides its own, from the middleware in front of it. */
function problemStatuses(doc: RouteDoc, idempotent: boolean): number[] {
  // A sent-but-bad bearer token is refused on every route, public ones too (auth.middleware.ts).
  const statuses = new Set([...(doc.errors ?? []), 500, ...(doc.operational ? [] : [401, 429])]);
  // Every POST, PUT and PATCH reads a JSON body if one is sent, whether or not the route takes fields.
  if (doc.body || doc.multipart || ['post', 'put', 'patch'].includes(doc.method)) [400, 413, 415].forEach((s) => statuses.add(s));
  if (doc.params || doc.query) statuses.add(400);
  if (idempotent) [400, 409, 422].forEach((s) => statuses.add(s));
  // Every command takes an Idempotency-Key into its events' ids (commandContext.ts), also where the
  // middleware does not replay answers: the same key with other content is 422 there too.
  if (doc.method !== 'get') statuses.add(422);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * Declares a route in the OpenAPI document from the same zod schemas `validate` uses. Safe to call
 * more than once (tests build many apps): a path is documented once.
 */
export function documentRoute(doc: RouteDoc): void {
  const key = `${doc.method} ${doc.path}`;
  if (documented.has(key)) return;
  if (!/^[a-z][A-Za-z0-9]*$/.test(doc.operationId) || operationIds.has(doc.operationId)) {
    throw new Error(`operationId ${doc.operationId} must be camelCase and used once`);
  }
  documented.add(key);
  operationIds.add(doc.operationId);
  const idempotent = doc.method === 'post' && doc.idempotent !== false;
  const responses: RouteConfig['responses'] = {};
  const limitHeaders = doc.operational ? {} : rateLimitHeaders;
  for (const [status, schema] of Object.entries(doc.responses)) {
    const headers = idempotent ? { ...limitHeaders, 'Idempotent-Replayed': ref('IdempotentReplayed') } : limitHeaders;
    const file = { schema: { type: 'string' as const, format: 'binary' } };
    responses[status] = schema
      ? { description: `HTTP ${status}`, headers, content: { 'application/json': { schema } } }
      : { description: `HTTP ${status}`, headers, ...(doc.files ? { content: Object.fromEntries(doc.files.map((type) => [type, file])) } : {}) };
  }
  for (const status of problemStatuses(doc, idempotent)) {
    responses[String(status)] = {
      description: `${PROBLEM_DESCRIPTIONS[status] ?? `HTTP ${status}`}${idempotent ? IDEMPOTENCY_NOTES[status] ?? '' : ''}`,
      headers: status === 429 ? { ...rateLimitHeaders, 'Retry-After': ref('RetryAfter') } : limitHeaders,
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  const content = {
    ...(doc.body ? { 'application/json': { schema: doc.body } } : {}),
    ...(doc.multipart ? { 'multipart/form-data': { schema: doc.multipart } } : {}),
  };
  registry.registerPath({
    method: doc.method,
    path: doc.path,
    operationId: doc.operationId,
    tags: doc.tags,
    summary: doc.summary,
    // Public operations say so (`[]`) rather than leaving it to the reader to guess.
    security: doc.auth ? [{ bearer: [] }] : [],
    request: {
      // Required unless the route reads a missing body as `{}` (e.g. cancel's optional reason).
      body: Object.keys(content).length > 0 ? { content, required: !(doc.body ?? doc.multipart)!.safeParse({}).success } : undefined,
      query: doc.query,
      params: doc.params,
      headers: idempotent ? z.object({ 'Idempotency-Key': idempotencyKey }) : undefined,
    },
    responses,
  });
}

export function openApiDocument(): object {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'HealthVision API',
      version: '1.0.0',
      description: 'Telemedicine backend: identity, scheduling, appointments, payments, wallet, reports, consultations, audit. '
        + 'Errors are RFC 9457 problem+json. State-changing POSTs accept an Idempotency-Key header. '
        + 'Before any operation, a request whose request line and headers exceed 16 KiB is refused with 431 '
        + '`headers_too_large`, and one that is not well-formed HTTP/1.1 with 400 `malformed_http`.',
    },
    servers: [{ url: '/' }],
  });
}
