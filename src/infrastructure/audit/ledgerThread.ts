import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { LedgerStore, SignedTreeHead } from '../../application/ports/ledgerStore.js';
import type { Logger } from '../logger.js';
import type { FromLedgerThread, LedgerThreadData, ToLedgerThread } from './ledgerThreadMessages.js';

/** What the service needs of a ledger writer, wherever it runs (LedgerWriter itself, or this thread). */
export interface LedgerWriting {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The global position of the newest event whose leaf is written (0 before the first). */
  position(): number;
  checkpointIfDue(): Promise<SignedTreeHead | null>;
}

const RESTART_AFTER_MS = 1000;

/**
 * The embedded profile's ledger writer on a worker thread. Leaves cost a few microseconds of CPU per
 * event (decoding, two SHA-256 hashes, the frontier); on the main thread that is taken from every
 * request, while the second core sits mostly idle. The thread reads through its own connection and
 * sends its writes here, to the service's connection: one writer per file, so no lock waits.
 * A thread that dies is started again; being derived from the events, the ledger just catches up.
 */
export class LedgerThread implements LedgerWriting {
  private worker: Worker | null = null;
  private lastPosition = 0;
  private stopping = false;
  private nextId = 0;
  private readonly checkpoints = new Map<number, { resolve(head: SignedTreeHead | null): void; reject(error: Error): void }>();
  private restart: ReturnType<typeof setTimeout> | null = null;
  private readyNow: () => void = () => undefined;
  /** Resolves once the thread has loaded and caught up (a bench waits for it; the service does not). */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly deps: {
    sqliteFile: string;
    signingKey: KeyObject;
    store: LedgerStore;
    log: Logger;
    checkpointEveryEvents: number;
    checkpointEverySeconds: number;
  }) {}

  /** Returns once the thread is spawned; the service need not wait for it to load and catch up. */
  async start(): Promise<void> {
    this.stopping = false;
    this.lastPosition = (await this.deps.store.lastLeaf())?.position ?? 0;
    this.spawn();
  }

  position(): number {
    return this.lastPosition;
  }

  checkpointIfDue(): Promise<SignedTreeHead | null> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    const id = (this.nextId += 1);
    return new Promise((resolve, reject) => {
      this.checkpoints.set(id, { resolve, reject });
      worker.postMessage({ kind: 'checkpoint', id } satisfies ToLedgerThread);
    });
  }

  /** The thread writes what is left and signs it (LedgerWriter.stop), then ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restart) clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'stop' } satisfies ToLedgerThread);
    });
  }

  private spawn(): void {
    this.ready = new Promise((resolve) => { this.readyNow = resolve; });
    const data: LedgerThreadData = {
      sqliteFile: this.deps.sqliteFile, signingKey: this.deps.signingKey,
      checkpointEveryEvents: this.deps.checkpointEveryEvents, checkpointEverySeconds: this.deps.checkpointEverySeconds,
    };
    // Built, the thread's module is plain JS. Run from source (tsx, ts-jest) it is TypeScript, which a
    // worker can only load once tsx's loader is registered in it (an --import in execArgv is not applied).
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./ledgerWorker.ts', import.meta.url).href)}); })`,
        { eval: true, workerData: data })
      : new Worker(new URL('./ledgerWorker.js', import.meta.url), { workerData: data });
    this.worker = worker;
    worker.on('message', (message: FromLedgerThread) => { void this.onMessage(worker, message); });
    worker.on('error', (error) => this.deps.log.error({ err: error }, 'the ledger thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      for (const call of this.checkpoints.values()) call.reject(new Error('the ledger thread ended'));
      this.checkpoints.clear();
      if (this.stopping) return;
      this.deps.log.error({ code }, `the ledger thread ended; starting it again in ${RESTART_AFTER_MS} ms`);
      this.restart = setTimeout(() => {
        this.restart = null;
        if (!this.stopping) this.spawn();
      }, RESTART_AFTER_MS);
      this.restart.unref?.();
    });
  }

  private async onMessage(worker: Worker, message: FromLedgerThread): Promise<void> {
    const reply = (id: number, error?: unknown) =>
      worker.postMessage({ kind: 'reply', id, ...(error === undefined ? {} : { error: String(error) }) } satisfies ToLedgerThread);
    switch (message.kind) {
      case 'appendLeaves':
        try {
          await this.deps.store.appendLeaves(message.leaves, message.frontier);
          this.lastPosition = message.leaves[message.leaves.length - 1]?.position ?? this.lastPosition;
          reply(message.id);
        } catch (error) {
          reply(message.id, error);
        }
        return;
      case 'recordHead':
        try {
          await this.deps.store.recordHead(message.head);
          reply(message.id);
        } catch (error) {
          reply(message.id, error);
        }
        return;
      case 'checkpointed': {
        const call = this.checkpoints.get(message.id);
        this.checkpoints.delete(message.id);
        if (message.error === undefined) call?.resolve(message.head);
        else call?.reject(new Error(message.error));
        return;
      }
      case 'log':
        this.deps.log.error(message.obj, `ledger thread: ${message.msg}`);
        return;
      case 'started':
        this.readyNow();
        return;
      default:
    }
  }
}
