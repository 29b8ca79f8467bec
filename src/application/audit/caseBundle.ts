import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { hashEvent } from '../eventSourcing/eventChain.js';
import type { EventMetadata, RecordedEvent } from '../ports/eventStore.js';
import { eventLeafHash, verifyInclusion, verifyTreeHeadSignature, type InclusionProof, type SignedTreeHead } from './ledger.js';

/**
 * A case file an auditor can take away and check with nothing but the service's public key: the events
 * as stored (with the hash of each one's predecessor in its stream), each event's ledger leaf and its
 * inclusion proof against one signed tree head, and a manifest — which events the bundle holds — signed
 * with the same ledger key, so that leaving an event out is as detectable as changing one.
 */
export const BUNDLE_FORMAT = 'healthvision-case-bundle/1';
const MANIFEST_LABEL = 'healthvision-case-bundle-manifest-v1';

export interface BundledEvent {
  streamId: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  /** The stored hash of the event before it in its stream (null for a stream's first event). */
  previousHash: string | null;
  /** Null for an event newer than the signed head (the manifest signature still covers it). */
  inclusion: InclusionProof | null;
}

export interface CaseBundle {
  format: typeof BUNDLE_FORMAT;
  appointmentId: string;
  generatedAt: string;
  head: SignedTreeHead;
  events: BundledEvent[];
  /** Ed25519 over `manifestMessage(bundle)`, base64, by the key that signed the head. */
  manifestSignature: string;
}

/** The signed bytes: label, appointment, head, then one line per event in the bundle's order. */
export function manifestMessage(b: Pick<CaseBundle, 'appointmentId' | 'generatedAt' | 'head' | 'events'>): Uint8Array {
  const lines = [MANIFEST_LABEL, b.appointmentId, b.generatedAt, String(b.head.size), b.head.rootHash,
    ...b.events.map((e) => `${e.position} ${e.revision} ${e.metadata.hash} ${e.streamId}`)];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** Assembles the bundle; `sign` is the ledger key's signer. */
export function buildBundle(parts: {
  appointmentId: string; generatedAt: string; head: SignedTreeHead; events: readonly RecordedEvent[];
  previousHashes: ReadonlyMap<string, string | null>; inclusions: ReadonlyMap<number, InclusionProof>;
  sign(message: Uint8Array): string;
}): CaseBundle {
  const events = parts.events.map((e): BundledEvent => ({
    streamId: e.streamId, revision: e.revision, position: e.position, type: e.type, data: e.data, metadata: e.metadata,
    previousHash: parts.previousHashes.get(eventKey(e)) ?? null,
    inclusion: parts.inclusions.get(e.position) ?? null,
  }));
  const unsigned = { appointmentId: parts.appointmentId, generatedAt: parts.generatedAt, head: parts.head, events };
  return { format: BUNDLE_FORMAT, ...unsigned, manifestSignature: parts.sign(manifestMessage(unsigned)) };
}

export const eventKey = (e: { streamId: string; revision: number }): string => `${e.streamId}\u0000${e.revision}`;

/** The proof leads from this event's own leaf (recomputed from its stored hash) to the head's root. */
export function provesInclusion(e: { streamId: string; revision: number; hash: string }, inclusion: InclusionProof, head: SignedTreeHead): boolean {
  const leafHash = eventLeafHash({ leafIndex: inclusion.leafIndex, streamId: e.streamId, revision: e.revision, hash: e.hash });
  return leafHash === inclusion.leafHash && inclusion.treeSize === head.size
    && verifyInclusion({ ...inclusion, leafHash, rootHash: head.rootHash });
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  appointmentId: z.string(),
  generatedAt: z.string(),
  head: z.object({ size: z.number().int().min(0), rootHash: hex64, signedAt: z.string(), signature: z.string(), publicKey: z.string() }),
  events: z.array(z.object({
    streamId: z.string(), revision: z.number().int().min(0), position: z.number().int(), type: z.string(), data: z.unknown(),
    metadata: z.looseObject({ hash: z.string() }),
    previousHash: z.string().nullable(),
    inclusion: z.object({ leafIndex: z.number().int().min(0), treeSize: z.number().int(), leafHash: z.string(), proof: z.array(z.string()) }).nullable(),
  })),
  manifestSignature: z.string(),
});

export type BundleProblem =
  | 'malformed' | 'head_signature' | 'manifest_signature' | 'content_changed' | 'chain_broken' | 'not_in_signed_tree';

export interface BundleVerdict {
  valid: boolean;
  events: number;
  /** Events proven to be in the signed tree; the others are newer than the head (covered by the manifest only). */
  proven: number;
  problems: Array<{ problem: BundleProblem; detail: string; position?: number; streamId?: string; revision?: number }>;
}

function signedBy(publicKey: string, message: Uint8Array, signature: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, message, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Checks a bundle offline against the public key the auditor trusts: the head's and the manifest's
 * signatures, every event's chain hash (content), the links between consecutive events of a stream,
 * and every inclusion proof against the head's root. Any problem makes the verdict invalid.
 */
export function verifyBundle(input: unknown, publicKey: string): BundleVerdict {
  const parsed = bundleSchema.safeParse(input);
  if (!parsed.success) {
    return { valid: false, events: 0, proven: 0, problems: [{ problem: 'malformed', detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }] };
  }
  const bundle = parsed.data as unknown as CaseBundle;
  const problems: BundleVerdict['problems'] = [];
  if (!verifyTreeHeadSignature(bundle.head, publicKey)) {
    problems.push({ problem: 'head_signature', detail: 'The tree head is not signed by the given key.' });
  }
  if (!signedBy(publicKey, manifestMessage(bundle), bundle.manifestSignature)) {
    problems.push({ problem: 'manifest_signature', detail: 'The list of events is not the one the service signed (an event added, removed or moved).' });
  }
  const byKey = new Map(bundle.events.map((e) => [eventKey(e), e]));
  let proven = 0;
  for (const e of bundle.events) {
    const where = { position: e.position, streamId: e.streamId, revision: e.revision };
    const { hash, ...rest } = e.metadata;
    if (hashEvent(e.previousHash, e.type, e.data, rest) !== hash) {
      problems.push({ problem: 'content_changed', detail: 'The event does not hash to its stored hash.', ...where });
    }
    const before = e.revision === 0 ? null : byKey.get(eventKey({ streamId: e.streamId, revision: e.revision - 1 }));
    if ((e.revision === 0 && e.previousHash !== null) || (before && before.metadata.hash !== e.previousHash)) {
      problems.push({ problem: 'chain_broken', detail: 'The event does not follow the one before it in its stream.', ...where });
    }
    if (e.inclusion) {
      if (provesInclusion({ ...e, hash }, e.inclusion, bundle.head)) proven += 1;
      else problems.push({ problem: 'not_in_signed_tree', detail: 'The inclusion proof does not lead to the signed root.', ...where });
    }
  }
  return { valid: problems.length === 0, events: bundle.events.length, proven, problems };
}
