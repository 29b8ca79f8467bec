import type { RequestHandler } from 'express';
import type { ZodType } from 'zod';

/** An empty query value (`?status=`, as forms send unset fields) means the parameter was not given. */
const givenOnly = (query: Record<string, unknown>) => Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));

/**
 * Parses body, query and params with zod before a route runs. Failures go to the error handler as a
 * ZodError (400 with per-field errors). Schemas should be strict objects, so unknown keys — including
 * `__proto__` smuggled through JSON — are rejected rather than silently stored.
 */
export function validate(schemas: { body?: ZodType; query?: ZodType; params?: ZodType }): RequestHandler {
  return (req, _res, next) => {
    req.valid = {
      body: schemas.body ? schemas.body.parse(req.body ?? {}) : undefined,
      query: schemas.query ? schemas.query.parse(givenOnly(req.query)) : undefined,
      params: schemas.params ? schemas.params.parse(req.params) : undefined,
    };
    next();
  };
}
