import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectMongo } from '../mongo/mongoClient.js';
import { LedgerWriter } from '../../application/audit/ledgerWriter.js';
import { LedgerThread, type LedgerWriting } from './ledgerThread.js';
import { ledgerQueries } from '../../application/audit/ledger.js';
import type { Clock } from '../../application/ports/clock.js';
import type { EventStore } from '../../application/ports/eventStore.js';
import type { LedgerSigner, LedgerStore } from '../../application/ports/ledgerStore.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { EventStoreDbEventStore } from '../eventStore/eventStoreDbEventStore.js';
import { SqliteEventStore } from '../eventStore/sqliteEventStore.js';
import { openDatabase } from '../sqlite/openDatabase.js';
import { DEVELOPMENT_KEY_FILE, developmentSigningKey, ed25519Signer, parseLedgerSigningKey, publicKeyOf } from './ledgerKey.js';
import { MongoLedgerStore } from './mongoLedgerStore.js';
import { SqliteLedgerStore } from './sqliteLedgerStore.js';

/**
 * The configured key (LEDGER_SIGNING_KEY), or outside production the development key kept in DATA_DIR.
 * Config refuses production without a key, so the development key never signs there.
 */
export function ledgerSigningKey(config: Config) {
  if (config.LEDGER_SIGNING_KEY) return { key: parseLedgerSigningKey(config.LEDGER_SIGNING_KEY), generated: false, file: null };
  const file = resolve(config.dataDir, DEVELOPMENT_KEY_FILE);
  return { ...developmentSigningKey(file), file };
}

/**
 * The ledger of a running service: its writer (started and stopped with the service) and its queries.
 * `sqliteFile` (the embedded profile) lets the writer run on a thread of its own (LEDGER_WRITER=thread);
 * otherwise, or with LEDGER_WRITER=inline, it runs on the service's thread with the service's Clock.
 */
export function wireLedger(deps: { config: Config; events: EventStore; store: LedgerStore; clock: Clock; log: Logger; sqliteFile?: string }) {
  const { key, generated, file } = ledgerSigningKey(deps.config);
  const signer: LedgerSigner = ed25519Signer(key);
  const log = deps.log.child({ component: 'ledger' });
  const checkpoints = {
    checkpointEveryEvents: deps.config.LEDGER_CHECKPOINT_EVERY_EVENTS,
    checkpointEverySeconds: deps.config.LEDGER_CHECKPOINT_EVERY_SECONDS,
  };
  const writer: LedgerWriting = deps.sqliteFile && deps.config.LEDGER_WRITER === 'thread'
    ? new LedgerThread({ sqliteFile: deps.sqliteFile, signingKey: key, store: deps.store, log, ...checkpoints })
    : new LedgerWriter({ events: deps.events, store: deps.store, signer, clock: deps.clock, log, ...checkpoints });
  return {
    store: deps.store, writer, signer, queries: ledgerQueries({ store: deps.store }),
    announce(): void {
      log.info({ publicKey: signer.publicKey, keyFile: file ?? undefined, generated }, file
        ? `ledger heads are signed with the development key in ${file}; its public key: ${signer.publicKey}`
        : `ledger heads are signed with LEDGER_SIGNING_KEY; its public key: ${signer.publicKey}`);
    },
  };
}

export type Ledger = ReturnType<typeof wireLedger>;

/**
 * What `npm run audit` reads, opened without the service: the event store with neither upcasting nor
 * decryption (chains are over stored bytes), the ledger's records, and the public key of the signing
 * key this configuration names (the one heads must verify under unless the auditor passes another).
 */
export async function openLedgerForAudit(config: Config): Promise<{ events: EventStore; store: LedgerStore; publicKey: string | null; close(): Promise<void> }> {
  const publicKey = config.LEDGER_SIGNING_KEY ? publicKeyOf(parseLedgerSigningKey(config.LEDGER_SIGNING_KEY)) : null;
  if (config.profile === 'production' && config.EVENTSTORE_URL && config.MONGODB_URL) {
    const events = EventStoreDbEventStore.connect(config.EVENTSTORE_URL);
    const mongo = await connectMongo(config.MONGODB_URL);
    return { events, store: new MongoLedgerStore(mongo.db(config.MONGODB_DB)), publicKey, close: async () => { await events.close(); await mongo.close(); } };
  }
  const db = openDatabase(config.sqliteFile);
  const events = new SqliteEventStore(db);
  const devKey = resolve(config.dataDir, DEVELOPMENT_KEY_FILE);
  return {
    events, store: new SqliteLedgerStore(db),
    publicKey: publicKey ?? (config.NODE_ENV !== 'production' ? existingKeyFile(devKey) : null),
    close: async () => { await events.close(); db.close(); },
  };
}

function existingKeyFile(file: string): string | null {
  return existsSync(file) ? publicKeyOf(parseLedgerSigningKey(readFileSync(file, 'utf8'))) : null;
}
