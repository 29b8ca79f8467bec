import type Database from 'better-sqlite3';
import type { LedgerLeaf, LedgerStore, SignedTreeHead } from '../../application/ports/ledgerStore.js';
import type { Frontier } from '../../domain/audit/merkleTree.js';
import { decodeSubtrees, encodeSubtrees } from './frontierText.js';

interface LeafRow {
  leaf_index: number;
  position: number;
  stream_id: string;
  revision: number;
  leaf_hash: Buffer;
}

interface HeadRow {
  size: number;
  root_hash: string;
  signed_at: string;
  signature: string;
  public_key: string;
}

const toLeaf = (r: LeafRow): LedgerLeaf => ({ leafIndex: r.leaf_index, position: r.position, streamId: r.stream_id, revision: r.revision, leafHash: r.leaf_hash });
const toHead = (r: HeadRow): SignedTreeHead => ({ size: r.size, rootHash: r.root_hash, signedAt: r.signed_at, signature: r.signature, publicKey: r.public_key });

/** Leaves per INSERT statement when a batch is large: one statement for many rows costs less per row. */
const INSERT_ROWS = 100;

/** The ledger in the embedded profile's SQLite file: tables `ledger_leaves` and `ledger_heads`. */
export class SqliteLedgerStore implements LedgerStore {
  private readonly statements;
  private readonly insertAll: (leaves: readonly LedgerLeaf[], frontier: Frontier) => void;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ledger_leaves (
        leaf_index INTEGER PRIMARY KEY, position INTEGER NOT NULL UNIQUE, stream_id TEXT NOT NULL,
        revision INTEGER NOT NULL, leaf_hash BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger_heads (
        size INTEGER PRIMARY KEY, root_hash TEXT NOT NULL, signed_at TEXT NOT NULL, signature TEXT NOT NULL, public_key TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger_frontier (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, subtrees TEXT NOT NULL);`);
    this.statements = {
      insert: db.prepare('INSERT INTO ledger_leaves (leaf_index, position, stream_id, revision, leaf_hash) VALUES (?, ?, ?, ?, ?)'),
      insertMany: db.prepare(`INSERT INTO ledger_leaves (leaf_index, position, stream_id, revision, leaf_hash) VALUES ${'(?, ?, ?, ?, ?), '.repeat(INSERT_ROWS - 1)}(?, ?, ?, ?, ?)`),
      size: db.prepare<[], { n: number | null }>('SELECT MAX(leaf_index) + 1 AS n FROM ledger_leaves'),
      last: db.prepare<[], LeafRow>('SELECT * FROM ledger_leaves ORDER BY leaf_index DESC LIMIT 1'),
      atPosition: db.prepare<[number], LeafRow>('SELECT * FROM ledger_leaves WHERE position = ?'),
      range: db.prepare<[number, number], LeafRow>('SELECT * FROM ledger_leaves WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index'),
      recordHead: db.prepare('INSERT OR IGNORE INTO ledger_heads (size, root_hash, signed_at, signature, public_key) VALUES (?, ?, ?, ?, ?)'),
      latestHead: db.prepare<[], HeadRow>('SELECT * FROM ledger_heads ORDER BY size DESC LIMIT 1'),
      heads: db.prepare<[number, number], HeadRow>('SELECT * FROM ledger_heads WHERE size > ? ORDER BY size LIMIT ?'),
      saveFrontier: db.prepare('INSERT INTO ledger_frontier (id, size, subtrees) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, subtrees = excluded.subtrees'),
      frontier: db.prepare<[], { size: number; subtrees: string }>('SELECT size, subtrees FROM ledger_frontier WHERE id = 1'),
    };
    // The frontier commits with the leaves it describes, so it is always the ledger's own.
    this.insertAll = db.transaction((leaves: readonly LedgerLeaf[], frontier: Frontier) => {
      let at = 0;
      for (; at + INSERT_ROWS <= leaves.length; at += INSERT_ROWS) {
        const values: unknown[] = [];
        for (const l of leaves.slice(at, at + INSERT_ROWS)) values.push(l.leafIndex, l.position, l.streamId, l.revision, l.leafHash);
        this.statements.insertMany.run(values);
      }
      for (const l of leaves.slice(at)) this.statements.insert.run(l.leafIndex, l.position, l.streamId, l.revision, l.leafHash);
      this.statements.saveFrontier.run(frontier.size, encodeSubtrees(frontier));
    }).immediate;
  }

  async init(): Promise<void> {}

  async appendLeaves(leaves: readonly LedgerLeaf[], frontier: Frontier): Promise<void> {
    this.insertAll(leaves, frontier);
  }

  async frontier(): Promise<Frontier | null> {
    const row = this.statements.frontier.get();
    return row ? decodeSubtrees(row.size, row.subtrees) : null;
  }

  async size(): Promise<number> {
    return this.statements.size.get()?.n ?? 0;
  }

  async lastLeaf(): Promise<LedgerLeaf | null> {
    const row = this.statements.last.get();
    return row ? toLeaf(row) : null;
  }

  async leafAtPosition(position: number): Promise<LedgerLeaf | null> {
    const row = this.statements.atPosition.get(position);
    return row ? toLeaf(row) : null;
  }

  async leaves(from: number, to: number): Promise<LedgerLeaf[]> {
    return this.statements.range.all(from, to).map(toLeaf);
  }

  async recordHead(head: SignedTreeHead): Promise<void> {
    this.statements.recordHead.run(head.size, head.rootHash, head.signedAt, head.signature, head.publicKey);
  }

  async latestHead(): Promise<SignedTreeHead | null> {
    const row = this.statements.latestHead.get();
    return row ? toHead(row) : null;
  }

  async heads(after: number, limit: number): Promise<SignedTreeHead[]> {
    return this.statements.heads.all(after, limit).map(toHead);
  }
}
