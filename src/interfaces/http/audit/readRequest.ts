import type { Request } from 'express';
import type { ReadRequest } from '../../../application/audit/accessLog.js';

/** The request as a read the access log records: its id (X-Request-Id, or one made up) makes a retry count once. */
export function readRequest(req: Request): ReadRequest {
  return { requestId: String((req as { id?: string }).id ?? '') };
}
