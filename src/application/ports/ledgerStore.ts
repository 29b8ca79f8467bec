import type { Frontier } from '../../domain/audit/merkleTree.js';

/**
 * The ledger's own records: one leaf per event in global order, and the signed tree heads.
 * Embedded: tables in the SQLite file; production: MongoDB collections.
 */
export interface LedgerLeaf {
  /** Ordinal of the event in global order, from 0 with no gaps (positions may have gaps). */
  leafIndex: number;
  position: number;
  streamId: string;
  revision: number;
  /** RFC 6962 leaf hash, 32 bytes. */
  leafHash: Uint8Array;
}

/** A tree head signed with the ledger's Ed25519 key (see docs/audit-ledger.md for the signed bytes). */
export interface SignedTreeHead {
  size: number;
  /** Merkle root of the first `size` leaves, hex. */
  rootHash: string;
  signedAt: string;
  /** Ed25519 signature, base64. */
  signature: string;
  /** The signer's public key: base64 of its SPKI DER (the body of a PEM "PUBLIC KEY"). */
  publicKey: string;
}

export interface LedgerStore {
  init(): Promise<void>;
  /**
   * Appends leaves that continue the ledger (the first one's index is the current size). A leaf index
   * or position already taken (another instance got there first) rejects; SQLite then writes none of
   * them, MongoDB may keep the ones before it, which is harmless as leaves follow from the global order.
   */
  appendLeaves(leaves: readonly LedgerLeaf[], frontier: Frontier): Promise<void>;
  /**
   * The tree's frontier as of the last append, so a restart need not read every leaf. A cache: the
   * writer uses it only when its size is the ledger's size (MongoDB writes it after the leaves).
   */
  frontier(): Promise<Frontier | null>;
  /** How many leaves there are. */
  size(): Promise<number>;
  lastLeaf(): Promise<LedgerLeaf | null>;
  leafAtPosition(position: number): Promise<LedgerLeaf | null>;
  /** Leaves with `from <= leafIndex < to`, in order. */
  leaves(from: number, to: number): Promise<LedgerLeaf[]>;
  /** Records a head; a second head of the same size is ignored (the first one stands). */
  recordHead(head: SignedTreeHead): Promise<void>;
  latestHead(): Promise<SignedTreeHead | null>;
  /** Heads with `size > after`, smallest first. */
  heads(after: number, limit: number): Promise<SignedTreeHead[]>;
}

/** Signs tree heads; the private key never leaves the adapter. */
export interface LedgerSigner {
  /** base64 SPKI DER, as in `SignedTreeHead.publicKey`. */
  readonly publicKey: string;
  /** Ed25519 signature of `message`, base64. */
  sign(message: Uint8Array): string;
}
