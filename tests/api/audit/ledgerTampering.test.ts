import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventLeafHash, type SignedTreeHead } from '../../../src/application/audit/ledger.js';
import { verifyLedger, type LedgerVerdict } from '../../../src/application/audit/ledgerVerification.js';
import { hashEventJson } from '../../../src/application/eventSourcing/eventChain.js';
import { treeHeadMessage } from '../../../src/domain/audit/treeHead.js';
import { openLedgerForAudit } from '../../../src/infrastructure/audit/ledgerWiring.js';
import { loadConfig } from '../../../src/infrastructure/config.js';
import { startTestApp } from '../../support/testApp.js';
import { givenUser } from '../../support/identity.js';
import { givenHold, givenSlots } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const AUDIT_CLI = join(ROOT, 'src', 'interfaces', 'cli', 'audit.ts');

interface Row { position: number; stream_id: string; revision: number; type: string; data: string; metadata: string; hash: string }

/**
 * An insider with write access to the SQLite file: each case copies a store whose heads were signed
 * by the running service, changes it by direct SQL, and runs the same verification `npm run audit -- verify` runs.
 */
describe('verify against previously signed heads', () => {
  let original: string;
  const copies: string[] = [];
  let headsBefore: SignedTreeHead[];

  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-ledger-'));
    copies.push(dir);
    cpSync(original, dir, { recursive: true });
    return dir;
  };
  const sql = <T>(dir: string, work: (db: Database.Database) => T): T => {
    const db = new Database(join(dir, 'healthvision.sqlite'));
    try { return work(db); } finally { db.close(); }
  };
  const verify = async (dir: string, keptHeads?: SignedTreeHead[]): Promise<LedgerVerdict> => {
    const opened = await openLedgerForAudit(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }));
    try { return await verifyLedger({ events: opened.events, store: opened.store, trustedPublicKey: opened.publicKey ?? undefined, keptHeads }); } finally { await opened.close(); }
  };
  const rows = (db: Database.Database, where = '1 = 1', ...params: unknown[]) => db.prepare(`SELECT * FROM events WHERE ${where} ORDER BY position`).all(...params) as Row[];
  /** An event in the middle of the log, not its stream's last: what an insider would want to change. */
  const middleEvent = (db: Database.Database): Row => {
    const all = rows(db);
    return all.slice(Math.floor(all.length / 3)).find((r) => all.some((o) => o.stream_id === r.stream_id && o.revision === r.revision + 1))!;
  };
  /** Changes one event and, as a careful insider would, recomputes its stream's chain from there. */
  const rewriteWithChain = (db: Database.Database, target: Row): void => {
    db.prepare('UPDATE events SET data = json_set(data, \'$.tampered\', 1) WHERE position = ?').run(target.position);
    const stream = rows(db, 'stream_id = ?', target.stream_id);
    let previous: string | null = null;
    for (const r of stream) {
      if (r.revision >= target.revision) {
        const hash = hashEventJson(previous, r.type, r.data, r.metadata);
        db.prepare('UPDATE events SET hash = ? WHERE position = ?').run(hash, r.position);
        previous = hash;
      } else {
        previous = r.hash;
      }
    }
  };

  beforeAll(async () => {
    original = mkdtempSync(join(tmpdir(), 'hv-ledger-original-'));
    const t = await startTestApp({ dataDir: original, env: { LEDGER_CHECKPOINT_EVERY_SECONDS: '60' } });
    /** A head over everything so far, as the minute timer would sign it. */
    const signed = async () => {
      const head = await t.services.events.headPosition();
      await eventually(() => expect(t.services.ledger.writer.position()).toBe(head));
      t.clock.advance(61_000);
      await t.services.ledger.writer.checkpointIfDue();
    };
    const doctor = await givenUser(t, { role: 'doctor' });
    const slots = await givenSlots(t, doctor);
    await signed();
    for (const slotId of slots.slice(0, 3)) {
      await givenHold(t, await givenUser(t, { role: 'patient' }), slotId);
      await signed();
    }
    await givenUser(t, { role: 'patient' });
    await t.close(); // the writer signs what is left on the way down
    headsBefore = sql(original, (db) => db.prepare('SELECT size FROM ledger_heads ORDER BY size').all() as SignedTreeHead[]);
  }, 60_000);
  afterAll(() => {
    for (const dir of [original, ...copies]) rmSync(dir, { recursive: true, force: true });
  });

  it('finds an untouched store valid, with every event in a signed head', async () => {
    const verdict = await verify(copy());
    expect(verdict).toMatchObject({ valid: true, breaks: {} });
    expect(headsBefore.length).toBeGreaterThanOrEqual(3);
    expect(headsBefore[headsBefore.length - 1].size).toBe(verdict.events);
  });

  it('finds one event whose data was changed, at its position', async () => {
    const dir = copy();
    const target = sql(dir, (db) => {
      const r = middleEvent(db);
      db.prepare('UPDATE events SET data = json_set(data, \'$.tampered\', 1) WHERE position = ?').run(r.position);
      return r;
    });
    expect(await verify(dir)).toMatchObject({ valid: false, firstBroken: { kind: 'chain', position: target.position, streamId: target.stream_id } });
  });

  it('finds a changed event whose stream chain was recomputed, by its leaf', async () => {
    const dir = copy();
    const target = sql(dir, (db) => { const r = middleEvent(db); rewriteWithChain(db, r); return r; });
    expect(await verify(dir)).toMatchObject({ valid: false, firstBroken: { kind: 'leaf', position: target.position } });
  });

  it('finds it by the signed root when the recorded leaves were rewritten as well', async () => {
    const dir = copy();
    const target = sql(dir, (db) => {
      const r = middleEvent(db);
      rewriteWithChain(db, r);
      const leaves = db.prepare('SELECT leaf_index, position FROM ledger_leaves ORDER BY leaf_index').all() as Array<{ leaf_index: number; position: number }>;
      for (const leaf of leaves) {
        const e = rows(db, 'position = ?', leaf.position)[0];
        const hash = eventLeafHash({ leafIndex: leaf.leaf_index, streamId: e.stream_id, revision: e.revision, hash: e.hash });
        db.prepare('UPDATE ledger_leaves SET leaf_hash = ? WHERE leaf_index = ?').run(Buffer.from(hash, 'hex'), leaf.leaf_index);
      }
      return r;
    });
    const verdict = await verify(dir);
    expect(verdict).toMatchObject({ valid: false, firstBroken: { kind: 'root' } });
    // The old leaves are gone, so the break is placed at the start of the first head that no longer holds.
    expect(verdict.firstBroken!.position).toBeLessThanOrEqual(target.position);
  });

  it('finds the newest events deleted, at the first deleted position', async () => {
    const dir = copy();
    const firstDeleted = sql(dir, (db) => {
      const all = rows(db);
      const from = all[all.length - 4].position;
      db.prepare('DELETE FROM events WHERE position >= ?').run(from);
      return from;
    });
    expect(await verify(dir)).toMatchObject({ valid: false, firstBroken: { kind: 'missing_event', position: firstDeleted } });
  });

  it('finds a whole stream deleted, at its first position', async () => {
    const dir = copy();
    const first = sql(dir, (db) => {
      const target = middleEvent(db);
      const stream = rows(db, 'stream_id = ?', target.stream_id);
      db.prepare('DELETE FROM events WHERE stream_id = ?').run(target.stream_id);
      return stream[0].position;
    });
    expect(await verify(dir)).toMatchObject({ valid: false, firstBroken: { kind: 'missing_event', position: first } });
  });

  it('finds the newest events deleted with their leaves and heads, against a head the auditor kept', async () => {
    const dir = copy();
    const kept = sql(dir, (db) => db.prepare('SELECT size, root_hash AS rootHash, signed_at AS signedAt, signature, public_key AS publicKey FROM ledger_heads ORDER BY size DESC LIMIT 1').get() as SignedTreeHead);
    const lastKept = sql(dir, (db) => {
      const all = rows(db);
      const from = all[all.length - 4].position;
      db.prepare('DELETE FROM events WHERE position >= ?').run(from);
      db.prepare('DELETE FROM ledger_leaves WHERE position >= ?').run(from);
      db.prepare('DELETE FROM ledger_heads WHERE size > ?').run(all.length - 4);
      return all[all.length - 5].position;
    });
    expect((await verify(dir)).valid).toBe(true); // nothing inside the store betrays it…
    expect(await verify(dir, [kept])).toMatchObject({ valid: false, firstBroken: { kind: 'root', position: null, afterPosition: lastKept } });
  });

  it('refuses heads re-signed with another key', async () => {
    const dir = copy();
    sql(dir, (db) => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const forger = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const head = db.prepare('SELECT size, root_hash AS rootHash, signed_at AS signedAt FROM ledger_heads ORDER BY size DESC LIMIT 1').get() as SignedTreeHead;
      db.prepare('UPDATE ledger_heads SET signature = ?, public_key = ? WHERE size = ?').run(sign(null, treeHeadMessage(head), privateKey).toString('base64'), forger, head.size);
    });
    expect(await verify(dir)).toMatchObject({ valid: false, firstBroken: { kind: 'signature' }, breaks: { signature: 1 } });
  });

  it('npm run audit -- verify exits 0 on a sound store and 1 with the first broken position on a tampered one', () => {
    const run = (dir: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', AUDIT_CLI, 'verify', ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
    });
    const sound = run(copy());
    expect(sound.status).toBe(0);
    expect(sound.stdout).toMatch(/^audit verify: OK: \d+ events in \d+ streams/);
    expect(sound.stderr).toBe(''); // no progress bar when stderr is not a terminal

    const dir = copy();
    const position = sql(dir, (db) => {
      const r = middleEvent(db);
      db.prepare('UPDATE events SET data = json_set(data, \'$.tampered\', 1) WHERE position = ?').run(r.position);
      return r.position;
    });
    const broken = run(dir);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at position ${position} (chain:`);

    const headFile = join(dir, 'kept-head.json');
    writeFileSync(headFile, '{ "size": "many" }');
    expect(run(dir, '--head', headFile).status).toBe(64);
  }, 120_000);
});
