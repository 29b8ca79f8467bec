/**
 * The audit ledger's application API (issue 13): a Merkle tree (RFC 6962 hashing) over every event in
 * global order, with tree heads signed by the service's Ed25519 key. See docs/audit-ledger.md.
 *
 *   const ledger = ledgerQueries({ store: services.ledger.store });   // or services.ledger.queries
 *   await ledger.latestHead()                     → SignedTreeHead | null
 *   await ledger.heads({ after, limit })          → SignedTreeHead[] with size > after, smallest first
 *   await ledger.inclusionProof(position, size?)  → InclusionProof for the event at that global position,
 *       against the tree of `size` leaves (default: the latest signed head's size). NotFound (404) when
 *       the position is not in the ledger yet or no head is signed; Invalid (400) when `size` is beyond
 *       the ledger or does not contain the event.
 *   await ledger.consistencyProof(from, to)       → ConsistencyProof that the tree of `to` leaves extends
 *       the tree of `from` leaves (1 ≤ from ≤ to ≤ ledger size, else Invalid).
 *
 * Pure checks, no store needed (offline bundles, the CLI, the /audit page's server side):
 *   verifyInclusion({ leafIndex, treeSize, leafHash, proof, rootHash })  → boolean (hex strings)
 *   verifyConsistency({ from, to, fromRoot, toRoot, proof })             → boolean (hex strings)
 *   verifyTreeHeadSignature(head, expectedPublicKey?)                    → boolean
 *   eventLeafHash({ leafIndex, streamId, revision, hash })               → hex leaf hash of a stored event
 *       (`hash` is the event's stored chain hash, `metadata.hash`)
 *
 * Every hash in this API is lower-case hex; signatures and public keys are base64.
 */
import { createPublicKey, verify } from 'node:crypto';
import { Invalid, NotFound } from '../../domain/shared/errors.js';
import { eventLeafData } from '../../domain/audit/ledgerLeaf.js';
import {
  consistencyProof as merkleConsistencyProof, inclusionProof as merkleInclusionProof, leafHash,
  verifyConsistency as merkleVerifyConsistency, verifyInclusion as merkleVerifyInclusion,
} from '../../domain/audit/merkleTree.js';
import { treeHeadMessage } from '../../domain/audit/treeHead.js';
import type { LedgerStore, SignedTreeHead } from '../ports/ledgerStore.js';

export type { SignedTreeHead } from '../ports/ledgerStore.js';

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => Buffer.from(text, 'hex');
const isHash = (text: string): boolean => /^[0-9a-f]{64}$/.test(text);

/** The leaf hash the ledger records for a stored event (over its chain hash, so over what is stored). */
export function eventLeafHash(leaf: { leafIndex: number; streamId: string; revision: number; hash: string }): string {
  return hex(leafHash(eventLeafData(leaf)));
}

export function verifyInclusion(p: { leafIndex: number; treeSize: number; leafHash: string; proof: readonly string[]; rootHash: string }): boolean {
  if (!isHash(p.leafHash) || !isHash(p.rootHash) || !p.proof.every(isHash)) return false;
  return merkleVerifyInclusion(p.leafIndex, p.treeSize, bytes(p.leafHash), p.proof.map(bytes), bytes(p.rootHash));
}

export function verifyConsistency(p: { from: number; to: number; fromRoot: string; toRoot: string; proof: readonly string[] }): boolean {
  if (!isHash(p.fromRoot) || !isHash(p.toRoot) || !p.proof.every(isHash)) return false;
  return merkleVerifyConsistency(p.from, p.to, bytes(p.fromRoot), bytes(p.toRoot), p.proof.map(bytes));
}

/**
 * The head's signature checks out under the key it names, and, when given, that key is the one the
 * auditor trusts (a head carrying its own key proves nothing by itself).
 */
export function verifyTreeHeadSignature(head: SignedTreeHead, expectedPublicKey?: string): boolean {
  if (expectedPublicKey !== undefined && expectedPublicKey !== head.publicKey) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(head.publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, treeHeadMessage(head), key, Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}

const MAX_HEADS_PAGE = 500;

/** What auditors ask of the ledger; the HTTP routes and the CLI both go through these. */
export function ledgerQueries(deps: { store: LedgerStore }) {
  const { store } = deps;
  return {
    latestHead: (): Promise<SignedTreeHead | null> => store.latestHead(),

    heads: (q: { after?: number; limit?: number } = {}): Promise<SignedTreeHead[]> =>
      store.heads(q.after ?? 0, Math.min(q.limit ?? 100, MAX_HEADS_PAGE)),

    async inclusionProof(position: number, treeSize?: number): Promise<InclusionProof> {
      const leaf = await store.leafAtPosition(position);
      if (!leaf) throw new NotFound('Ledger leaf for position', String(position));
      const size = treeSize ?? (await store.latestHead())?.size;
      if (size === undefined) throw new NotFound('Signed tree head');
      const ledgerSize = await store.size();
      if (size > ledgerSize) throw new Invalid('tree_size_beyond_ledger', `The ledger has ${ledgerSize} leaves; there is no tree of ${size}`);
      if (leaf.leafIndex >= size) throw new Invalid('leaf_not_in_tree', `The event at position ${position} is leaf ${leaf.leafIndex}, outside a tree of ${size}`);
      const hashes = (await store.leaves(0, size)).map((l) => l.leafHash);
      return { leafIndex: leaf.leafIndex, treeSize: size, leafHash: hex(leaf.leafHash), proof: merkleInclusionProof(hashes, leaf.leafIndex).map(hex) };
    },

    async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
      if (from < 1 || from > to) throw new Invalid('bad_tree_sizes', `Need 1 ≤ from ≤ to (got from ${from}, to ${to})`);
      const ledgerSize = await store.size();
      if (to > ledgerSize) throw new Invalid('tree_size_beyond_ledger', `The ledger has ${ledgerSize} leaves; there is no tree of ${to}`);
      const hashes = (await store.leaves(0, to)).map((l) => l.leafHash);
      return { from, to, proof: merkleConsistencyProof(hashes, from).map(hex) };
    },
  };
}

export type LedgerQueries = ReturnType<typeof ledgerQueries>;
