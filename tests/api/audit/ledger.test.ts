import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  verifyConsistency, verifyInclusion, verifyTreeHeadSignature, eventLeafHash, type SignedTreeHead,
} from '../../../src/application/audit/ledger.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenHold, givenSlots } from '../../support/booking.js';
import { eventually } from '../../support/polling.js';

/** Resolves once the ledger holds every event appended so far. */
async function ledgerCaughtUp(t: TestApp): Promise<void> {
  const head = await t.services.events.headPosition();
  await eventually(() => expect(t.services.ledger.writer.position()).toBeGreaterThanOrEqual(head));
}

describe('the signed ledger over every event', () => {
  let t: TestApp;
  let auditor: GivenUser;
  let admin: GivenUser;
  let patient: GivenUser;
  let doctor: GivenUser;
  const get = (path: string, who?: GivenUser) => (who ? request(t.http).get(path).set(bearer(who)) : request(t.http).get(path));

  beforeAll(async () => {
    // Heads by count (every 10 events) or once unsigned events are ten minutes old on the fake clock.
    t = await startTestApp({ env: { LEDGER_CHECKPOINT_EVERY_EVENTS: '10', LEDGER_CHECKPOINT_EVERY_SECONDS: '600' } });
    auditor = await givenUser(t, { role: 'auditor' });
  });
  afterAll(async () => { await t.close(); });

  it('has no head to show before enough events, then signs one every N events', async () => {
    await ledgerCaughtUp(t);
    expect(await t.services.ledger.store.size()).toBeLessThan(10);
    await get('/api/audit/checkpoints/latest', auditor).expect(404).expect('content-type', /problem\+json/);
    admin = await givenUser(t, { role: 'admin' });
    patient = await givenUser(t, { role: 'patient' });
    doctor = await givenUser(t, { role: 'doctor' });
    const [slotId] = await givenSlots(t, doctor);
    await givenHold(t, patient, slotId);
    await ledgerCaughtUp(t);
    const latest = (await get('/api/audit/checkpoints/latest', auditor).expect(200)).body as SignedTreeHead;
    expect(latest.size).toBeGreaterThanOrEqual(10);
    expect(latest.signedAt).toBe(t.clock.now().toISOString());
    expect(verifyTreeHeadSignature(latest, t.services.ledger.signer.publicKey)).toBe(true);
    expect(verifyTreeHeadSignature({ ...latest, size: latest.size - 1 }, t.services.ledger.signer.publicKey)).toBe(false);
  });

  it('signs the unsigned rest once it has waited the configured seconds on the Clock', async () => {
    const unsigned = async () => {
      await ledgerCaughtUp(t);
      return (await t.services.ledger.store.size()) - ((await t.services.ledger.store.latestHead())?.size ?? 0);
    };
    // A few events, fewer than the count threshold (which may land exactly on the last of them: add more).
    for (let i = 0; i < 3 && await unsigned() === 0; i += 1) await givenUser(t, { role: 'patient' });
    expect(await unsigned()).toBeGreaterThan(0);
    const ledgerSize = await t.services.ledger.store.size();
    await expect(t.services.ledger.writer.checkpointIfDue()).resolves.toBeNull();
    t.clock.advance(600_000);
    // The writer's own timer may get there first; either way the rest is signed at the new time.
    await t.services.ledger.writer.checkpointIfDue();
    const head = (await get('/api/audit/checkpoints/latest', auditor).expect(200)).body as SignedTreeHead;
    expect(head).toMatchObject({ size: ledgerSize, signedAt: t.clock.now().toISOString() });
  });

  it('lists heads after a size, smallest first, and proves each extends the one before', async () => {
    const heads = (await get('/api/audit/checkpoints?after=0', admin).expect(200)).body.items as SignedTreeHead[];
    expect(heads.length).toBeGreaterThanOrEqual(2);
    expect(heads.map((h) => h.size)).toEqual([...heads.map((h) => h.size)].sort((a, b) => a - b));
    const later = (await get(`/api/audit/checkpoints?after=${heads[0].size}&limit=1`, auditor).expect(200)).body.items as SignedTreeHead[];
    expect(later).toEqual([heads[1]]);
    for (let i = 1; i < heads.length; i += 1) {
      const [from, to] = [heads[i - 1], heads[i]];
      const body = (await get(`/api/audit/proofs/consistency?from=${from.size}&to=${to.size}`, auditor).expect(200)).body;
      expect(body).toMatchObject({ from: from.size, to: to.size });
      expect(verifyConsistency({ from: from.size, to: to.size, fromRoot: from.rootHash, toRoot: to.rootHash, proof: body.proof })).toBe(true);
      expect(verifyConsistency({ from: from.size, to: to.size, fromRoot: to.rootHash, toRoot: to.rootHash, proof: body.proof })).toBe(false);
    }
  });

  it('proves that each stored event is in the latest signed head, with the leaf of what is stored', async () => {
    const latest = (await get('/api/audit/checkpoints/latest', auditor).expect(200)).body as SignedTreeHead;
    const events = (await t.services.events.readAll({ maxCount: latest.size }));
    for (const [leafIndex, event] of events.entries()) {
      const body = (await get(`/api/audit/proofs/inclusion?position=${event.position}`, auditor).expect(200)).body;
      expect(body).toMatchObject({ leafIndex, treeSize: latest.size });
      expect(body.leafHash).toBe(eventLeafHash({ leafIndex, streamId: event.streamId, revision: event.revision, hash: event.metadata.hash }));
      expect(verifyInclusion({ ...body, rootHash: latest.rootHash })).toBe(true);
    }
    const [first] = (await get('/api/audit/checkpoints?limit=1', auditor).expect(200)).body.items as SignedTreeHead[];
    const early = (await get(`/api/audit/proofs/inclusion?position=${events[0].position}&size=${first.size}`, auditor).expect(200)).body;
    expect(verifyInclusion({ ...early, rootHash: first.rootHash })).toBe(true);
    expect(verifyInclusion({ ...early, rootHash: latest.rootHash })).toBe(latest.size === first.size);
  });

  it.each([
    ['/api/audit/checkpoints?after=-1'],
    ['/api/audit/checkpoints?after=abc'],
    ['/api/audit/checkpoints?limit=0'],
    ['/api/audit/checkpoints?since=1'],
    ['/api/audit/proofs/consistency?from=0&to=3'],
    ['/api/audit/proofs/consistency?from=1.5&to=3'],
    ['/api/audit/proofs/consistency?from=4&to=3'],
    ['/api/audit/proofs/consistency?from=1'],
    ['/api/audit/proofs/consistency?from=1&to=99999999'],
    ['/api/audit/proofs/inclusion?position=x'],
    ['/api/audit/proofs/inclusion?position=1&size=0'],
    ['/api/audit/proofs/inclusion?position=1&size=99999999'],
  ])('answers %s with a 400 problem', async (path) => {
    const res = await get(path, auditor).expect(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('answers 400 for a tree that does not contain the event, 404 for a position that is no event', async () => {
    const events = await t.services.events.readAll({ maxCount: 5000 });
    const last = events[events.length - 1];
    await ledgerCaughtUp(t);
    await get(`/api/audit/proofs/inclusion?position=${last.position}&size=1`, auditor).expect(400);
    await get(`/api/audit/proofs/inclusion?position=${last.position + 1000}`, auditor).expect(404);
  });

  it.each([
    ['/api/audit/checkpoints/latest'],
    ['/api/audit/checkpoints'],
    ['/api/audit/proofs/consistency?from=1&to=2'],
    ['/api/audit/proofs/inclusion?position=1'],
  ])('%s is for auditors and admins only', async (path) => {
    await get(path, patient).expect(403);
    await get(path, doctor).expect(403);
    await get(path).expect(401);
  });
});
