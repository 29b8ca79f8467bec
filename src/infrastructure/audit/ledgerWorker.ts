/**
 * The ledger writer's thread (see ledgerThread.ts). It reads the events and the ledger through a
 * connection of its own that never writes, and does the per-event work (decoding, leaf hashes, the
 * Merkle frontier, signing) here; the leaves and heads it produces are written by the parent on the
 * service's connection, so the file still has one writer and that connection keeps its page cache.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LedgerWriter } from '../../application/audit/ledgerWriter.js';
import type { LedgerStore } from '../../application/ports/ledgerStore.js';
import { systemClock } from '../clock/systemClock.js';
import { SqliteEventStore } from '../eventStore/sqliteEventStore.js';
import { openDatabase } from '../sqlite/openDatabase.js';
import { ed25519Signer } from './ledgerKey.js';
import type { FromLedgerThread, LedgerThreadData, ToLedgerThread } from './ledgerThreadMessages.js';
import { SqliteLedgerStore } from './sqliteLedgerStore.js';

const port = parentPort;
if (!port) throw new Error('ledgerWorker.ts runs as a worker thread (see ledgerThread.ts)');
const data = workerData as LedgerThreadData;
const send = (message: FromLedgerThread) => port.postMessage(message);

const db = openDatabase(data.sqliteFile, 'normal');
const events = new SqliteEventStore(db);
const local = new SqliteLedgerStore(db);

const waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
let nextId = 0;
function parentWrites(message: (id: number) => FromLedgerThread): Promise<void> {
  const id = (nextId += 1);
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    send(message(id));
  });
}

const store: LedgerStore = {
  init: async () => undefined,
  appendLeaves: (leaves, frontier) => parentWrites((id) => ({ kind: 'appendLeaves', id, leaves: [...leaves], frontier })),
  recordHead: (head) => parentWrites((id) => ({ kind: 'recordHead', id, head })),
  frontier: () => local.frontier(),
  size: () => local.size(),
  lastLeaf: () => local.lastLeaf(),
  leafAtPosition: (position) => local.leafAtPosition(position),
  leaves: (from, to) => local.leaves(from, to),
  latestHead: () => local.latestHead(),
  heads: (after, limit) => local.heads(after, limit),
};

const writer = new LedgerWriter({
  events, store, signer: ed25519Signer(data.signingKey), clock: systemClock,
  log: { error: (obj, msg) => send({ kind: 'log', obj: { err: String((obj as { err?: unknown }).err ?? '') }, msg }) },
  checkpointEveryEvents: data.checkpointEveryEvents,
  checkpointEverySeconds: data.checkpointEverySeconds,
});

port.on('message', (message: ToLedgerThread) => {
  switch (message.kind) {
    case 'reply': {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error === undefined) call?.resolve();
      else call?.reject(new Error(message.error));
      return;
    }
    case 'checkpoint':
      started.then(() => writer.checkpointIfDue()).then(
        (head) => send({ kind: 'checkpointed', id: message.id, head }),
        (error: unknown) => send({ kind: 'checkpointed', id: message.id, head: null, error: String(error) }),
      );
      return;
    case 'stop':
      // A stop that overtakes the start waits for it: a loop started after the stop would keep the thread alive.
      void started.then(() => writer.stop()).finally(async () => {
        await events.close();
        db.close();
        port.close();
      });
  }
});

const started = writer.start();
await started;
send({ kind: 'started' });
