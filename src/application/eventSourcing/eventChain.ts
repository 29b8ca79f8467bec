import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { EventMetadata, RecordedEvent } from '../ports/eventStore.js';

/**
 * Tamper evidence: each event's hash covers the previous event's hash in its stream, so changing,
 * removing or reordering any stored event breaks every hash after it. Keys are serialised in a stable
 * order so the hash does not depend on how a database returns JSON.
 */
export function hashEvent(previousHash: string | null, type: string, data: unknown, metadata: Omit<EventMetadata, 'hash'>): string {
  return createHash('sha256')
    .update(previousHash ?? '')
    .update('\n')
    .update(type)
    .update('\n')
    .update(stringify(data) ?? 'null')
    .update('\n')
    .update(stringify(metadata) ?? 'null')
    .digest('hex');
}

export interface ChainVerdict {
  valid: boolean;
  events: number;
  firstBrokenRevision?: number;
}

/** Checks a whole stream read raw (not upcast), oldest first. */
export function verifyChain(events: readonly RecordedEvent[]): ChainVerdict {
  let previous: string | null = null;
  for (const [index, event] of events.entries()) {
    const { hash, ...rest } = event.metadata;
    const continuous = event.revision === index;
    if (!continuous || hash !== hashEvent(previous, event.type, event.data, rest)) {
      return { valid: false, events: events.length, firstBrokenRevision: continuous ? event.revision : index };
    }
    previous = hash;
  }
  return { valid: true, events: events.length };
}
