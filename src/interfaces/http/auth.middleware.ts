import type { RequestHandler } from 'express';
import type { Actor, Role } from '../../domain/shared/event.js';
import { sendProblem } from './problem.js';

/** Turns a bearer token into an actor, or null when the token is not acceptable (bad, expired, revoked). */
export type Authenticate = (token: string) => Promise<Actor | null>;

export function bearerToken(header: string | undefined): string | null {
  // The scheme name is case-insensitive (RFC 9110 §11.1): `bearer x` is as good as `Bearer x`.
  const match = /^Bearer +([A-Za-z0-9\-_=.]+)$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** Reads the token if one was sent; a sent-but-invalid token is refused here rather than ignored. */
export function authenticate(verify: Authenticate): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next();
    const token = bearerToken(header);
    const actor = token ? await verify(token) : null;
    if (!actor) return sendProblem(res, 401, 'invalid_token', 'The access token is missing, malformed, expired or revoked.');
    req.actor = actor;
    next();
  };
}

export const requireAuth: RequestHandler = (req, res, next) => {
  if (!req.actor) return sendProblem(res, 401, 'authentication_required', 'Sign in and send `Authorization: Bearer <token>`.');
  next();
};

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    if (!req.actor) return sendProblem(res, 401, 'authentication_required', 'Sign in and send `Authorization: Bearer <token>`.');
    if (!roles.includes(req.actor.role)) {
      return sendProblem(res, 403, 'forbidden_role', `This needs one of the roles: ${roles.join(', ')}.`);
    }
    next();
  };
}
