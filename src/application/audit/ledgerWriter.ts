import { eventLeafData } from '../../domain/audit/ledgerLeaf.js';
import { CompactRange, leafHash } from '../../domain/audit/merkleTree.js';
import { treeHeadMessage } from '../../domain/audit/treeHead.js';
import { SubscriptionLoop, type LoopLogger } from '../eventSourcing/subscriptionLoop.js';
import type { Clock } from '../ports/clock.js';
import { storedHash, type EventStore, type RecordedEvent } from '../ports/eventStore.js';
import type { LedgerLeaf, LedgerSigner, LedgerStore, SignedTreeHead } from '../ports/ledgerStore.js';

export interface LedgerWriterDeps {
  events: EventStore;
  store: LedgerStore;
  signer: LedgerSigner;
  clock: Clock;
  log: LoopLogger;
  /** Sign a head once this many leaves are unsigned… */
  checkpointEveryEvents: number;
  /** …or once unsigned leaves are this old (by the Clock). */
  checkpointEverySeconds: number;
  /** Leaves are written in batches at least this often (real time), and whenever 500 are waiting. */
  flushEveryMs?: number;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const FLUSH_AT = 500;
const CATCH_UP_PAGE = 500;
/** The most events a subscription loop hands over at once (subscriptionLoop.ts). */
const RUN_MAX = 100;

/**
 * Keeps the ledger: subscribes to the global stream, appends one leaf per event, and signs the tree
 * head every N events or T seconds. Its position is the last written leaf's, so it needs no checkpoint
 * of its own; the tree is kept as a compact range (O(log n) per leaf) rebuilt from the leaves at start.
 *
 * Leaves are written in batches, not one commit per event: a commit per append would put a second
 * write into every group commit of the event store and halve its throughput. Leaves waiting in memory
 * are lost on a crash and simply derived again from the events. When a write fails (another instance
 * wrote the same leaves first, the store is down) the writer re-reads where the ledger stands and
 * catches up from the event store itself, since the subscription has already moved past those events.
 */
export class LedgerWriter {
  private loop: SubscriptionLoop | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private range = new CompactRange();
  /** Position of the last written leaf, and of the last one computed (written or waiting). */
  private lastPosition = 0;
  private bufferedPosition = 0;
  private pending: LedgerLeaf[] = [];
  private lastFlush = performance.now();
  private signedSize = 0;
  private lastSignedAt = 0;
  private stale = true;
  /** Runs and timer ticks take turns: both read and move the range. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: LedgerWriterDeps) {}

  private get flushEveryMs(): number {
    return this.deps.flushEveryMs ?? 100;
  }

  async start(): Promise<void> {
    await this.deps.store.init();
    await this.resync();
    this.loop = new SubscriptionLoop(this.deps.events, 'ledger', this.deps.log, (run) => this.onRun(run));
    this.loop.start(this.lastPosition);
    this.timer = setInterval(() => {
      this.inTurn(() => this.tick()).catch((error: unknown) => this.deps.log.error({ err: error }, 'ledger write failed; the next tick tries again'));
    }, this.flushEveryMs);
    this.timer.unref?.();
  }

  /** The global position of the newest event whose leaf is written (0 before the first). */
  position(): number {
    return this.lastPosition;
  }

  /** Signs a head when unsigned leaves have waited `checkpointEverySeconds` on the Clock; the timer runs it too. */
  checkpointIfDue(): Promise<SignedTreeHead | null> {
    return this.inTurn(() => this.signIfDue());
  }

  private async tick(): Promise<void> {
    if (this.stale) await this.recover();
    await this.flush();
    await this.signIfDue();
  }

  private async signIfDue(): Promise<SignedTreeHead | null> {
    const age = this.deps.clock.now().getTime() - this.lastSignedAt;
    const unsigned = this.range.size + this.pending.length > this.signedSize;
    return unsigned && age >= this.deps.checkpointEverySeconds * 1000 ? this.checkpoint() : null;
  }

  private async resync(): Promise<void> {
    this.pending = [];
    const size = await this.deps.store.size();
    // The stored frontier spares a restart reading every leaf; without one that fits, the leaves are read.
    const frontier = await this.deps.store.frontier();
    this.range = (frontier?.size === size ? CompactRange.restore(frontier) : null)
      ?? CompactRange.of((await this.deps.store.leaves(0, size)).map((l) => l.leafHash));
    this.lastPosition = (await this.deps.store.lastLeaf())?.position ?? 0;
    this.bufferedPosition = this.lastPosition;
    const head = await this.deps.store.latestHead();
    this.signedSize = head?.size ?? 0;
    this.lastSignedAt = head ? Date.parse(head.signedAt) : this.deps.clock.now().getTime();
    this.stale = false;
  }

  /** After a failed write: from where the ledger stands, every event the store holds. */
  private async recover(): Promise<void> {
    await this.resync();
    await this.catchUp();
  }

  /** Reads the event store itself up to its head, writing leaves as it goes. */
  private async catchUp(): Promise<void> {
    for (let page = await this.deps.events.readAll({ fromPosition: this.bufferedPosition, maxCount: CATCH_UP_PAGE }); page.length > 0;
      page = await this.deps.events.readAll({ fromPosition: this.bufferedPosition, maxCount: CATCH_UP_PAGE })) {
      this.buffer(page);
      await this.flush();
    }
  }

  private buffer(events: readonly RecordedEvent[]): void {
    for (const e of events) {
      if (e.position <= this.bufferedPosition) continue;
      const leafIndex = this.range.size + this.pending.length;
      const hash = leafHash(eventLeafData({ leafIndex, streamId: e.streamId, revision: e.revision, hash: storedHash(e) }));
      this.pending.push({ leafIndex, position: e.position, streamId: e.streamId, revision: e.revision, leafHash: hash });
      this.bufferedPosition = e.position;
    }
  }

  private async onRun(run: RecordedEvent[]): Promise<void> {
    await this.inTurn(() => this.takeRun(run));
    // A short run means the writer is at the head. Waking up again for every append would add a turn
    // (and split a group commit) per append; waiting lets the next run gather what arrives meanwhile.
    if (run.length < RUN_MAX) await new Promise((resolve) => { setTimeout(resolve, this.flushEveryMs); });
  }

  private async takeRun(run: RecordedEvent[]): Promise<void> {
    if (this.stale) await this.recover();
    this.buffer(run);
    const due = this.pending.length >= FLUSH_AT || performance.now() - this.lastFlush >= this.flushEveryMs
      || this.range.size + this.pending.length - this.signedSize >= this.deps.checkpointEveryEvents;
    if (!due) return;
    await this.flush();
    if (this.range.size - this.signedSize >= this.deps.checkpointEveryEvents) await this.checkpoint();
    else await this.signIfDue();
  }

  private async flush(): Promise<void> {
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    const leaves = this.pending;
    const next = CompactRange.restore(this.range.frontier()) as CompactRange;
    for (const leaf of leaves) next.append(leaf.leafHash);
    try {
      await this.deps.store.appendLeaves(leaves, next.frontier());
    } catch (error) {
      this.stale = true;
      this.pending = [];
      throw error;
    }
    this.pending = [];
    this.range = next;
    this.lastPosition = leaves[leaves.length - 1].position;
  }

  private async checkpoint(): Promise<SignedTreeHead> {
    await this.flush();
    const now = this.deps.clock.now();
    const unsigned = { size: this.range.size, rootHash: hex(this.range.root()), signedAt: now.toISOString() };
    const head: SignedTreeHead = { ...unsigned, signature: this.deps.signer.sign(treeHeadMessage(unsigned)), publicKey: this.deps.signer.publicKey };
    await this.deps.store.recordHead(head);
    this.signedSize = head.size;
    this.lastSignedAt = now.getTime();
    return head;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /**
   * Stops the subscription, writes leaves for every event stored so far (the subscription may have been
   * waiting for its next run) and signs them, so a restart begins from a signed head.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.loop?.stop();
    await this.inTurn(async () => {
      if (this.stale) await this.resync();
      await this.catchUp();
      if (this.range.size > this.signedSize) await this.checkpoint();
    }).catch((error: unknown) => this.deps.log.error({ err: error }, 'ledger: the last leaves could not be written and signed'));
  }

  /** The subscription's last failure, if it keeps failing. */
  lastError(): string | null {
    return this.loop?.lastError ?? null;
  }
}
