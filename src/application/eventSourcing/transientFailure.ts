import { DomainError } from '../../domain/shared/errors.js';

/**
 * Whether a failure may pass with time, so doing the same again later can succeed: a dependency down
 * or overloaded, a write race, or anything that is not a domain decision (a store timing out, a bug
 * fixed by a deploy). A domain error of any other kind is a refusal that will not change by itself.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof DomainError)) return true;
  return error.kind === 'unavailable' || error.kind === 'too_many' || error.code === 'concurrent_modification';
}
