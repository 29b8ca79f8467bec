import { eventLeafData } from '../../domain/audit/ledgerLeaf.js';
import { CompactRange, leafHash } from '../../domain/audit/merkleTree.js';
import { hashEvent } from '../eventSourcing/eventChain.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { LedgerLeaf, LedgerStore, SignedTreeHead } from '../ports/ledgerStore.js';
import { verifyTreeHeadSignature } from './ledger.js';

export type LedgerBreakKind =
  /** An event's chain hash does not match its content and predecessor, or a revision is missing. */
  | 'chain'
  /** An event recorded in the ledger is no longer in the store (deleted), or sits elsewhere. */
  | 'missing_event'
  /** An event's leaf, recomputed, differs from the leaf the ledger recorded. */
  | 'leaf'
  /** The events no longer hash to a signed root. */
  | 'root'
  /** A head's signature does not verify under the trusted key. */
  | 'signature';

export interface LedgerBreak {
  kind: LedgerBreakKind;
  /**
   * The first global position known to be broken. For a `root` break whose leaves were rewritten too,
   * the change lies somewhere from this position up to the head's size (the old leaves are gone).
   */
  position: number | null;
  /** When the position is unknown because the events are gone: the last position still in the store. */
  afterPosition?: number;
  leafIndex?: number;
  streamId?: string;
  revision?: number;
  detail: string;
}

export interface LedgerVerdict {
  valid: boolean;
  events: number;
  streams: number;
  heads: number;
  /** Leaves the ledger recorded; fewer than `events` while the writer catches up. */
  leaves: number;
  firstBroken?: LedgerBreak;
  /** How many breaks of each kind (a deleted stream breaks every leaf after it). */
  breaks: Partial<Record<LedgerBreakKind, number>>;
}

export interface VerifyLedgerDeps {
  /** Must read events exactly as stored (no upcasting, no decryption): chains are over stored bytes. */
  events: EventStore;
  store: LedgerStore;
  /** The key heads must be signed with; omitted, each head's own key is used (and all must agree). */
  trustedPublicKey?: string;
  /**
   * Heads the auditor kept from earlier (from the API or a bundle). The store's own heads can be
   * deleted or replaced along with the events; these cannot, so they are what catches a rewrite of
   * the log's tail together with its ledger.
   */
  keptHeads?: readonly SignedTreeHead[];
  onProgress?: (done: number, total: number) => void;
}

const PAGE = 1000;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

async function allHeads(store: LedgerStore): Promise<SignedTreeHead[]> {
  const heads: SignedTreeHead[] = [];
  for (let page = await store.heads(0, PAGE); page.length > 0; page = await store.heads(page[page.length - 1].size, PAGE)) heads.push(...page);
  return heads;
}

/**
 * The whole store checked from what is stored: every stream's hash chain, every leaf recomputed from
 * its event and compared with the ledger's, the Merkle root at every signed head's size, and every
 * head's signature. One pass in global order; memory is one chain tip per stream and the tree's
 * compact range.
 */
export async function verifyLedger(deps: VerifyLedgerDeps): Promise<LedgerVerdict> {
  const stored = await allHeads(deps.store);
  const isStored = (h: SignedTreeHead) => stored.some((s) => s.size === h.size && s.rootHash === h.rootHash && s.signature === h.signature);
  const heads = [...stored, ...(deps.keptHeads ?? []).filter((h) => !isStored(h))].sort((a, b) => a.size - b.size);
  const ledgerSize = await deps.store.size();
  const trustedKey = deps.trustedPublicKey ?? deps.keptHeads?.[0]?.publicKey ?? heads[0]?.publicKey;
  const counts: Partial<Record<LedgerBreakKind, number>> = {};
  let firstBroken: LedgerBreak | undefined;
  // The earliest position wins; a break with no known position only stands in until one is found.
  /** Leaf index of the latest break found at an exact event (chain, leaf, missing event). */
  let lastExactBreak = -1;
  const broke = (b: LedgerBreak) => {
    counts[b.kind] = (counts[b.kind] ?? 0) + 1;
    if (b.kind !== 'root' && b.kind !== 'signature' && b.leafIndex !== undefined) lastExactBreak = b.leafIndex;
    const earlier = firstBroken?.position ?? null;
    if (!firstBroken || (b.position !== null && (earlier === null || b.position < earlier))) firstBroken = b;
  };

  for (const head of heads) {
    if (!verifyTreeHeadSignature(head, trustedKey)) broke({ kind: 'signature', position: null, detail: `the head of size ${head.size} is not signed by the trusted key` });
  }

  const tips = new Map<string, { revision: number; hash: string }>();
  const range = new CompactRange();
  let nextHead = 0;
  let lastVerifiedSize = 0;
  let recorded: LedgerLeaf[] = [];
  let recordedFrom = 0;
  let after = 0;
  const recordedLeaf = async (index: number): Promise<LedgerLeaf | undefined> => {
    if (index >= ledgerSize) return undefined;
    if (index >= recordedFrom + recorded.length) {
      recordedFrom = index;
      recorded = await deps.store.leaves(index, index + PAGE);
    }
    return recorded[index - recordedFrom];
  };
  const positionOfLeaf = async (index: number): Promise<number | null> => (await deps.store.leaves(index, index + 1))[0]?.position ?? null;
  const checkHeadsUpTo = async (size: number) => {
    for (; nextHead < heads.length && heads[nextHead].size <= size; nextHead += 1) {
      const head = heads[nextHead];
      if (head.size !== size) continue;
      if (head.rootHash === hex(range.root())) {
        lastVerifiedSize = head.size;
      } else if (lastExactBreak >= lastVerifiedSize) {
        // Explained by a break already placed at its exact event within this head's range.
        counts.root = (counts.root ?? 0) + 1;
      } else {
        broke({ kind: 'root', position: await positionOfLeaf(lastVerifiedSize), leafIndex: lastVerifiedSize, detail: `the first ${head.size} events do not hash to the root signed at ${head.signedAt}` });
      }
    }
  };

  const checkEvent = async (event: RecordedEvent, leafIndex: number) => {
    const tip = tips.get(event.streamId);
    const expectedRevision = tip ? tip.revision + 1 : 0;
    const { hash, ...rest } = event.metadata;
    if (event.revision !== expectedRevision) {
      broke({ kind: 'chain', position: event.position, leafIndex, streamId: event.streamId, revision: expectedRevision, detail: `${event.streamId} jumps from revision ${expectedRevision - 1} to ${event.revision}` });
    } else if (hash !== hashEvent(tip?.hash ?? null, event.type, event.data, rest)) {
      broke({ kind: 'chain', position: event.position, leafIndex, streamId: event.streamId, revision: event.revision, detail: `${event.streamId}@${event.revision}: the hash does not match the event` });
    }
    tips.set(event.streamId, { revision: event.revision, hash });
    const leaf = leafHash(eventLeafData({ leafIndex, streamId: event.streamId, revision: event.revision, hash }));
    const mine = await recordedLeaf(leafIndex);
    if (mine && mine.position < event.position) {
      broke({ kind: 'missing_event', position: mine.position, leafIndex, streamId: mine.streamId, revision: mine.revision, detail: `${mine.streamId}@${mine.revision} (leaf ${leafIndex}) is no longer in the store` });
    } else if (mine && (mine.position !== event.position || Buffer.compare(mine.leafHash, leaf) !== 0)) {
      broke({ kind: 'leaf', position: event.position, leafIndex, streamId: event.streamId, revision: event.revision, detail: `${event.streamId}@${event.revision} differs from the leaf the ledger recorded` });
    }
    range.append(leaf);
    await checkHeadsUpTo(range.size);
  };

  let events = 0;
  for (let page = await deps.events.readAll({ fromPosition: after, maxCount: PAGE }); page.length > 0; page = await deps.events.readAll({ fromPosition: after, maxCount: PAGE })) {
    for (const event of page) {
      await checkEvent(event, events);
      events += 1;
    }
    after = page[page.length - 1].position;
    deps.onProgress?.(events, Math.max(events, ledgerSize));
  }

  if (events < ledgerSize) {
    const gone = await positionOfLeaf(events);
    broke({ kind: 'missing_event', position: gone, leafIndex: events, detail: `the ledger recorded ${ledgerSize} events, the store holds ${events}` });
  }
  for (const head of heads.slice(nextHead)) {
    const position = await positionOfLeaf(events);
    broke({
      kind: 'root', position, leafIndex: events, ...(position === null ? { afterPosition: after } : {}),
      detail: `a head of size ${head.size} was signed at ${head.signedAt}, the store holds ${events} events`,
    });
  }

  return { valid: firstBroken === undefined, events, streams: tips.size, heads: heads.length, leaves: ledgerSize, breaks: counts, ...(firstBroken ? { firstBroken } : {}) };
}
