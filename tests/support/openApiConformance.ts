import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * Holds observed HTTP answers to the OpenAPI document the service publishes: the status must be
 * declared for the operation, every required response header sent, and a JSON body must match the
 * declared schema. The checker covers the subset of JSON Schema the generated document uses ($ref,
 * type, nullable, enum, properties, required, additionalProperties, items, oneOf/anyOf/allOf); it
 * checks shapes, not string formats or numeric bounds, which only the request side relies on.
 */

export interface Schema {
  $ref?: string; type?: string; nullable?: boolean; enum?: unknown[];
  properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema;
  items?: Schema; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[];
}
interface Header { $ref?: string; required?: boolean }
interface ResponseDoc { headers?: Record<string, Header>; content?: Record<string, { schema?: Schema }> }
interface OperationDoc { operationId: string; responses: Record<string, ResponseDoc> }
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationDoc>>;
  components: { schemas?: Record<string, Schema>; headers?: Record<string, Header> };
}

export interface Observation {
  method: string;
  /** The request target, query included. */
  url: string;
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
}

function record(req: IncomingMessage, res: ServerResponse, seen: Observation[]): void {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => { if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer)); };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  res.write = ((chunk: unknown, ...rest: unknown[]) => { keep(chunk); return write(chunk, ...rest); }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => { keep(chunk); return end(chunk, ...rest); }) as typeof res.end;
  const url = req.url ?? '/';
  res.on('finish', () => seen.push({ method: req.method ?? 'GET', url, status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) }));
}

/** Wraps an app (for supertest) so every answer it gives is recorded, body included. */
export function observing(app: RequestListener, seen: Observation[]): RequestListener {
  return (req, res) => {
    record(req, res, seen);
    app(req, res);
  };
}

/** Records every answer an express app gives from now on, however it is called (supertest, a listening server). */
export function recordAnswers(app: Express, seen: Observation[]): void {
  const target = app as unknown as { handle(req: IncomingMessage, res: ServerResponse, next?: unknown): void };
  const handle = target.handle.bind(target);
  target.handle = (req, res, next) => { record(req, res, seen); handle(req, res, next); };
}

/** The documented operation a request went to: literal segments win over parameters, as the routes are ordered. */
export function operationFor(doc: OpenApiDocument, method: string, url: string): { path: string; operation: OperationDoc } | null {
  // The target as the router saw it: no dot-segment resolution, a trailing slash ignored, and a
  // parameter never empty (`/api/doctors/` is the list, `/api/doctors//slots` no route at all).
  const segments = url.split('?')[0].replace(/(.)\/$/, '$1').split('/');
  let best: { path: string; operation: OperationDoc; literals: number } | null = null;
  for (const [path, methods] of Object.entries(doc.paths)) {
    const operation = methods[method.toLowerCase()];
    const template = path.split('/');
    if (!operation || template.length !== segments.length) continue;
    if (!template.every((part, i) => (part.startsWith('{') ? segments[i] !== '' : part === segments[i]))) continue;
    const literals = template.filter((part) => !part.startsWith('{')).length;
    if (!best || literals > best.literals) best = { path, operation, literals };
  }
  return best;
}

function resolve<T extends { $ref?: string }>(doc: OpenApiDocument, value: T): T {
  if (!value.$ref) return value;
  const [, , kind, name] = value.$ref.split('/');
  return resolve(doc, (doc.components as Record<string, Record<string, T>>)[kind][name]);
}

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

/** What is wrong with `value` under `schema`, as `path: reason` lines (none when it conforms). */
export function schemaErrors(doc: OpenApiDocument, raw: Schema, value: unknown, path = '$'): string[] {
  const schema = resolve(doc, raw);
  if (value === null && schema.nullable) return [];
  if (schema.allOf) return schema.allOf.flatMap((s) => schemaErrors(doc, s, value, path));
  const options = schema.oneOf ?? schema.anyOf;
  if (options) {
    const fits = options.filter((s) => schemaErrors(doc, s, value, path).length === 0).length;
    return fits >= 1 && (schema.anyOf || fits === 1) ? [] : [`${path}: matches ${fits} of ${options.length} alternatives`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const actual = typeOf(value);
  if (schema.type && schema.type !== actual && !(schema.type === 'number' && actual === 'integer')) return [`${path}: expected ${schema.type}, got ${actual}`];
  if (actual === 'array' && schema.items) return (value as unknown[]).flatMap((item, i) => schemaErrors(doc, schema.items!, item, `${path}[${i}]`));
  if (actual !== 'object') return [];
  const object = value as Record<string, unknown>;
  const errors = (schema.required ?? []).filter((k) => !(k in object)).map((k) => `${path}.${k}: required`);
  for (const [key, item] of Object.entries(object)) {
    const declared = schema.properties?.[key];
    if (declared) errors.push(...schemaErrors(doc, declared, item, `${path}.${key}`));
    else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not in the schema`);
    else if (typeof schema.additionalProperties === 'object') errors.push(...schemaErrors(doc, schema.additionalProperties, item, `${path}.${key}`));
  }
  return errors;
}

/** Everything about one observed answer the document does not declare; `null` when it is not a documented operation. */
export function conformance(doc: OpenApiDocument, seen: Observation): { operationId: string; errors: string[] } | null {
  const found = operationFor(doc, seen.method, seen.url);
  if (!found) return null;
  const { operation } = found;
  const response = operation.responses[String(seen.status)];
  if (!response) return { operationId: operation.operationId, errors: [`status ${seen.status} is not declared`] };
  const errors: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (resolve(doc, header).required && seen.headers[name.toLowerCase()] === undefined) errors.push(`required header ${name} is missing`);
  }
  const mediaType = String(seen.headers['content-type'] ?? '').split(';')[0].trim();
  if (/json$/.test(mediaType)) {
    const declared = response.content?.[mediaType];
    if (!declared?.schema) errors.push(`a ${mediaType} body is not declared for ${seen.status}`);
    else errors.push(...schemaErrors(doc, declared.schema, JSON.parse(seen.body.toString('utf8'))));
  } else if (response.content && seen.body.length > 0 && !response.content[mediaType]) {
    errors.push(`content type ${mediaType || '(none)'} is not one of ${Object.keys(response.content).join(', ')}`);
  }
  return { operationId: operation.operationId, errors };
}

/** Every observed answer of a documented operation that the document does not declare, one line each. */
export function undeclaredAnswers(doc: OpenApiDocument, seen: Observation[]): string[] {
  const lines = new Set<string>();
  for (const observation of seen) {
    const found = conformance(doc, observation);
    for (const error of found?.errors ?? []) lines.add(`${observation.method} ${observation.url.split('?')[0]} → ${observation.status} (${found!.operationId}): ${error}`);
  }
  return [...lines];
}
