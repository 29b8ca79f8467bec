import type { Actor } from '../../domain/shared/event.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the authentication middleware when a valid bearer token came with the request. */
    actor?: Actor;
    /** Values parsed by `validate`; routes read these, never the raw `req.body`/`req.query`. */
    valid: { body?: unknown; query?: unknown; params?: unknown };
    /** Exact bytes of a JSON body, for signature checks (webhooks). */
    rawBody?: Buffer;
  }
}

export {};
