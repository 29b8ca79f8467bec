/**
 * Domain errors. The HTTP layer maps each `kind` to one status code in a single error handler,
 * so deciders throw meaning, never transport details.
 */
export type DomainErrorKind =
  | 'invalid'        // 400: the command makes no sense
  | 'unauthorized'   // 401
  | 'forbidden'      // 403
  | 'not_found'      // 404
  | 'conflict'       // 409: the state does not allow it
  | 'payment_required' // 402
  | 'unprocessable'  // 422
  | 'too_many'       // 429
  | 'unavailable';   // 503: a dependency is down

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine-readable code, e.g. `slot_unavailable`; becomes the problem `type` suffix. */
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id?: string) {
    super('not_found', 'not_found', id ? `${what} ${id} was not found` : `${what} was not found`);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('conflict', code, message, details);
  }
}

export class Forbidden extends DomainError {
  constructor(code: string, message: string) {
    super('forbidden', code, message);
  }
}

export class Invalid extends DomainError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('invalid', code, message, details);
  }
}
