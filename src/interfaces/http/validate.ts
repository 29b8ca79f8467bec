import type { RequestHandler } from 'express';
import type { ZodType } from 'zod';
import { acceptBody, type BodyType } from './bodyContentType.js';

/** An empty query value (`?status=`, as forms send unset fields) means the parameter was not given. */
const givenOnly = (query: Record<string, unknown>) => Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));

/**
 * Parses body, query and params with zod before a route runs. Failures go to the error handler as a
 * ZodError (400 with per-field errors). Schemas should be strict objects, so unknown keys — including
 * `__proto__` smuggled through JSON — are rejected rather than silently stored. A body of another type
 * than `bodyTypes` (JSON unless said) is refused first with 415.
 */
export function validate(schemas: { body?: ZodType; query?: ZodType; params?: ZodType; bodyTypes?: readonly BodyType[] }): RequestHandler {
  const parse: RequestHandler = (req, _res, next) => {
    req.valid = {
      body: schemas.body ? schemas.body.parse(req.body ?? {}) : undefined,
      query: schemas.query ? schemas.query.parse(givenOnly(req.query)) : undefined,
      params: schemas.params ? schemas.params.parse(req.params) : undefined,
    };
    next();
  };
  if (!schemas.body) return parse;
  const accept = acceptBody(schemas.bodyTypes ?? ['application/json']);
  return (req, res, next) => accept(req, res, () => parse(req, res, next));
}
