import { Binary, type Collection, type Db } from 'mongodb';
import type { LedgerLeaf, LedgerStore, SignedTreeHead } from '../../application/ports/ledgerStore.js';
import type { Frontier } from '../../domain/audit/merkleTree.js';
import { decodeSubtrees, encodeSubtrees } from './frontierText.js';

interface LeafDoc {
  _id: number;
  position: number;
  streamId: string;
  revision: number;
  leafHash: Binary;
}

interface HeadDoc extends Omit<SignedTreeHead, 'size'> {
  _id: number;
}

const DUPLICATE_KEY = 11000;
const toLeaf = (d: LeafDoc): LedgerLeaf => ({ leafIndex: d._id, position: d.position, streamId: d.streamId, revision: d.revision, leafHash: Buffer.from(d.leafHash.buffer) });
const toHead = ({ _id, ...rest }: HeadDoc): SignedTreeHead => ({ size: _id, ...rest });

/**
 * The ledger in MongoDB: collections `ledger_leaves` (keyed by leaf index) and `ledger_heads` (keyed by
 * size). A batch of leaves is inserted in order; when another instance took an index first, the leaves
 * before it may remain, which is harmless: leaves are a function of the global order, so the writer
 * re-reads the last leaf and continues after it.
 */
export class MongoLedgerStore implements LedgerStore {
  private readonly leavesCollection: Collection<LeafDoc>;
  private readonly headsCollection: Collection<HeadDoc>;
  private readonly frontierCollection: Collection<{ _id: 'frontier'; size: number; subtrees: string }>;

  constructor(db: Db) {
    this.leavesCollection = db.collection<LeafDoc>('ledger_leaves');
    this.headsCollection = db.collection<HeadDoc>('ledger_heads');
    this.frontierCollection = db.collection('ledger_frontier');
  }

  async init(): Promise<void> {
    await this.leavesCollection.createIndex({ position: 1 }, { unique: true });
  }

  async appendLeaves(leaves: readonly LedgerLeaf[], frontier: Frontier): Promise<void> {
    if (leaves.length === 0) return;
    await this.leavesCollection.insertMany(leaves.map((l) => ({
      _id: l.leafIndex, position: l.position, streamId: l.streamId, revision: l.revision, leafHash: new Binary(Buffer.from(l.leafHash)),
    })), { ordered: true });
    // After the leaves, not with them: a frontier whose size is not the ledger's is ignored on restart.
    await this.frontierCollection.replaceOne({ _id: 'frontier' }, { size: frontier.size, subtrees: encodeSubtrees(frontier) }, { upsert: true });
  }

  async frontier(): Promise<Frontier | null> {
    const doc = await this.frontierCollection.findOne({ _id: 'frontier' });
    return doc ? decodeSubtrees(doc.size, doc.subtrees) : null;
  }

  async size(): Promise<number> {
    const last = await this.lastLeaf();
    return last ? last.leafIndex + 1 : 0;
  }

  async lastLeaf(): Promise<LedgerLeaf | null> {
    const doc = await this.leavesCollection.find().sort({ _id: -1 }).limit(1).next();
    return doc ? toLeaf(doc) : null;
  }

  async leafAtPosition(position: number): Promise<LedgerLeaf | null> {
    const doc = await this.leavesCollection.findOne({ position });
    return doc ? toLeaf(doc) : null;
  }

  async leaves(from: number, to: number): Promise<LedgerLeaf[]> {
    return (await this.leavesCollection.find({ _id: { $gte: from, $lt: to } }).sort({ _id: 1 }).toArray()).map(toLeaf);
  }

  async recordHead(head: SignedTreeHead): Promise<void> {
    const { size, ...rest } = head;
    try {
      await this.headsCollection.insertOne({ _id: size, ...rest });
    } catch (error) {
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
    }
  }

  async latestHead(): Promise<SignedTreeHead | null> {
    const doc = await this.headsCollection.find().sort({ _id: -1 }).limit(1).next();
    return doc ? toHead(doc) : null;
  }

  async heads(after: number, limit: number): Promise<SignedTreeHead[]> {
    return (await this.headsCollection.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(limit).toArray()).map(toHead);
  }
}
