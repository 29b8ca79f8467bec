import { createHash } from 'node:crypto';
import type { EventMetadata, RecordedEvent } from '../ports/eventStore.js';

/**
 * Tamper evidence: each event's hash covers the previous event's hash in its stream, so changing,
 * removing or reordering any stored event breaks every hash after it.
 *
 * The hash is over the JSON texts as written. JSON.parse followed by JSON.stringify reproduces a text
 * exactly (key order is kept), so a verifier re-serialises what it reads; stores therefore hash the
 * very strings they persist and serialise each payload once on the hot path.
 */
export function hashEventJson(previousHash: string | null, type: string, dataJson: string, metadataJson: string): string {
  return createHash('sha256')
    .update(previousHash ?? '')
    .update('\n')
    .update(type)
    .update('\n')
    .update(dataJson)
    .update('\n')
    .update(metadataJson)
    .digest('hex');
}

export function hashEvent(previousHash: string | null, type: string, data: unknown, metadata: Omit<EventMetadata, 'hash'>): string {
  return hashEventJson(previousHash, type, JSON.stringify(data ?? null), JSON.stringify(metadata));
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
