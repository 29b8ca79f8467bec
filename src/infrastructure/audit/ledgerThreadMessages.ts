import type { KeyObject } from 'node:crypto';
import type { Frontier } from '../../domain/audit/merkleTree.js';
import type { LedgerLeaf, SignedTreeHead } from '../../application/ports/ledgerStore.js';

/** What the ledger thread is started with (worker_threads `workerData`; a KeyObject clones across threads). */
export interface LedgerThreadData {
  sqliteFile: string;
  signingKey: KeyObject;
  checkpointEveryEvents: number;
  checkpointEverySeconds: number;
}

/** Parent → thread. */
export type ToLedgerThread =
  | { kind: 'reply'; id: number; error?: string }
  | { kind: 'checkpoint'; id: number }
  | { kind: 'stop' };

/** Thread → parent: the ledger's writes, made on the parent's connection, and the thread's life. */
export type FromLedgerThread =
  | { kind: 'appendLeaves'; id: number; leaves: LedgerLeaf[]; frontier: Frontier }
  | { kind: 'recordHead'; id: number; head: SignedTreeHead }
  | { kind: 'checkpointed'; id: number; head: SignedTreeHead | null; error?: string }
  | { kind: 'started' }
  | { kind: 'log'; obj: Record<string, unknown>; msg: string };
