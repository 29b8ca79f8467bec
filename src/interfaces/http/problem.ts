import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { MulterError } from 'multer';
import { ZodError } from 'zod';
import { DomainError, type DomainErrorKind } from '../../domain/shared/errors.js';
import { ConcurrencyError, IdempotencyMismatchError } from '../../application/ports/eventStore.js';
import { FileTooLarge, MalformedMultipart } from './multipartBody.js';

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

/** RFC 9457 problem details; `code` is the stable machine-readable reason. */
export function problemBody(status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return { type: `https://healthvision.dev/problems/${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}): void {
  res.status(status).type('application/problem+json').json(problemBody(status, code, detail, extra));
}

export const notFoundRoute: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'route_not_found', `No route for ${req.method} ${req.path}`);
};

/** The single place where errors become HTTP answers. Unknown errors are logged and never echoed. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) return;
  if (error instanceof ZodError) {
    sendProblem(res, 400, 'validation_failed', 'The request is not valid.', {
      errors: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
    return;
  }
  if (error instanceof DomainError) {
    sendProblem(res, STATUS[error.kind], error.code, error.message, error.details ?? {});
    return;
  }
  if (error instanceof ConcurrencyError) {
    sendProblem(res, 409, 'concurrent_modification', 'Someone else changed this at the same moment; please retry.');
    return;
  }
  if (error instanceof IdempotencyMismatchError) {
    sendProblem(res, 422, 'idempotency_key_reused', 'This idempotency key was already used for a different request.');
    return;
  }
  const e = error as { type?: string; status?: number; statusCode?: number; code?: string; expose?: boolean; limit?: number };
  // body-parser and multer errors carry their own status; they are the client's fault.
  if (e.type === 'entity.too.large') {
    sendProblem(res, 413, 'payload_too_large', `The request body is too large: JSON bodies may be at most ${(e.limit ?? 0) / 1024} KiB.`, { limitBytes: e.limit });
    return;
  }
  if (error instanceof FileTooLarge) {
    sendProblem(res, 413, 'payload_too_large', `The request body is too large: ${error.message}`, { limitBytes: error.limitBytes });
    return;
  }
  if (e.type === 'entity.parse.failed') {
    sendProblem(res, 400, 'malformed_json', 'The request body is not valid JSON.');
    return;
  }
  // Every MulterError is about the client's form (limits, a part without a field name, an unexpected field).
  if (error instanceof MulterError || error instanceof MalformedMultipart) {
    sendProblem(res, 400, 'bad_multipart', `The multipart request is not acceptable: ${(error as Error).message}`);
    return;
  }
  // The router could not percent-decode a path parameter (`/api/doctors/%E0%A4`).
  if (error instanceof URIError) {
    sendProblem(res, 400, 'malformed_url', 'The URL path is not validly percent-encoded.');
    return;
  }
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) {
    sendProblem(res, status, 'bad_request', e.expose ? String((error as Error).message) : 'The request could not be processed.');
    return;
  }
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, 500, 'internal_error', 'Something went wrong on our side. The error was logged.');
};
