import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';

type RouteParameter = NonNullable<RouteConfig['request']>['query'];

extendZodWithOpenApi(z);

const registry = new OpenAPIRegistry();
const documented = new Set<string>();

registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi('Problem');

export interface RouteDoc {
  method: RouteConfig['method'];
  /** OpenAPI style, e.g. `/api/appointments/{id}`. */
  path: string;
  tags: string[];
  summary: string;
  auth?: boolean;
  body?: ZodType;
  /** `multipart` documents a form upload instead of JSON. */
  multipart?: ZodType;
  query?: RouteParameter;
  params?: RouteParameter;
  /** Status → response schema (or null for no body); problems are documented from `errors`. */
  responses: Record<number, ZodType | null>;
  errors?: number[];
}

/**
 * Declares a route in the OpenAPI document from the same zod schemas `validate` uses. Safe to call
 * more than once (tests build many apps): a path is documented once.
 */
export function documentRoute(doc: RouteDoc): void {
  const key = `${doc.method} ${doc.path}`;
  if (documented.has(key)) return;
  documented.add(key);
  const responses: RouteConfig['responses'] = {};
  for (const [status, schema] of Object.entries(doc.responses)) {
    responses[status] = schema
      ? { description: `HTTP ${status}`, content: { 'application/json': { schema } } }
      : { description: `HTTP ${status}` };
  }
  for (const status of doc.errors ?? []) {
    responses[String(status)] = { description: `HTTP ${status}`, content: { 'application/problem+json': { schema: problemSchema } } };
  }
  const body = doc.body
    ? { content: { 'application/json': { schema: doc.body } } }
    : doc.multipart ? { content: { 'multipart/form-data': { schema: doc.multipart } } } : undefined;
  registry.registerPath({
    method: doc.method,
    path: doc.path,
    tags: doc.tags,
    summary: doc.summary,
    security: doc.auth ? [{ bearer: [] }] : undefined,
    request: {
      body,
      query: doc.query,
      params: doc.params,
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
        + 'Errors are RFC 9457 problem+json. State-changing POSTs accept an Idempotency-Key header.',
    },
    servers: [{ url: '/' }],
  });
}
