import type { Request } from 'express';
import type { CommandContext } from '../../application/eventSourcing/commandHandler.js';
import { systemActor } from '../../domain/shared/event.js';

/** The request's actor, request id (as correlation id) and Idempotency-Key, as a command context. */
export function commandContext(req: Request): CommandContext {
  const key = req.get('idempotency-key');
  return {
    actor: req.actor ?? systemActor,
    correlationId: String((req as { id?: string }).id ?? ''),
    idempotencyKey: key ? `${req.actor?.userId ?? 'anonymous'}:${req.method}:${req.baseUrl}${req.path}:${key}` : undefined,
  };
}
