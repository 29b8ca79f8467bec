import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { walletDecider } from '../../../src/domain/wallet/wallet.js';
import { SqliteSnapshotStore } from '../../../src/infrastructure/snapshots/sqliteSnapshotStore.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { bearer, givenHold } from '../../support/booking.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { eventually, FEE, paymentsWorld, wallet, type PaymentsWorld } from './paymentsFixture.js';

const GIFTS = 2 * walletDecider.snapshot!.every + 30;
/** Enough in all for one fee and not for two. */
const GIFT = Math.ceil((1.5 * FEE) / GIFTS);

describe('a wallet with a long history', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-wallet-snapshots-'));
  let w: PaymentsWorld | null = null;
  let restarted: TestApp | null = null;
  afterEach(async () => {
    await w?.close();
    await restarted?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('still pays the right amount after a restart, from its snapshot', async () => {
    w = await paymentsWorld({ dataDir });
    for (let i = 1; i <= GIFTS; i += 1) {
      await w.t.services.wallet.credit({ userId: w.patient.userId, creditId: `gift-${i}`, amountPaise: GIFT, reason: 'refund', paymentId: null },
        { actor: { userId: 'system', role: 'system' }, correlationId: 'test' });
    }
    const { patient, slots, t: { clock } } = w;
    await w.close();
    w = null;

    restarted = await startTestApp({ dataDir, clock });
    const db = openDatabase(restarted.config.sqliteFile);
    const snapshot = await new SqliteSnapshotStore(db).load(`wallet-${patient.userId}`);
    db.close();
    expect(snapshot?.revision).toBeGreaterThanOrEqual(2 * walletDecider.snapshot!.every - 1);

    const appointmentId = await givenHold(restarted, patient, slots[0]);
    const paid = await request(restarted.http).post('/api/payments/initiate').set(bearer(patient)).send({ appointmentId, method: 'wallet' }).expect(201);
    expect(paid.body.status).toBe('captured');
    const total = GIFTS * GIFT;
    await eventually(async () => expect(await wallet({ t: restarted!, patient } as PaymentsWorld)).toEqual({
      balancePaise: total - FEE, reservedPaise: 0, availablePaise: total - FEE,
    }));
    // What is left cannot cover a second fee: refused, as a read of the whole history would decide.
    const more = await givenHold(restarted, patient, slots[1]);
    await request(restarted.http).post('/api/payments/initiate').set(bearer(patient)).send({ appointmentId: more, method: 'wallet' }).expect(402);
    expect((await wallet({ t: restarted, patient } as PaymentsWorld)).balancePaise).toBe(total - FEE);
  });
});
