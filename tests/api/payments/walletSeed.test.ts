import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { seedDemo } from '../../../src/infrastructure/seed/demoSeed.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';

describe('the demo seed', () => {
  let t: TestApp;
  afterEach(async () => { await t.close(); });

  it('gives the demo patient ₹5,000 through a simulated top-up', async () => {
    t = await startTestApp();
    const report = await seedDemo(t.services);
    expect(report.lines.some((l) => l.includes('wallet'))).toBe(true);
    const [patient] = await t.services.reads.find<{ id: string; email: string }>('users', { role: 'patient' });
    expect(await t.services.wallet.wallet(patient.id)).toEqual({ balancePaise: 500_000, reservedPaise: 0, availablePaise: 500_000 });
    const payments = await t.services.reads.find('payments', { userId: patient.id });
    expect(payments).toEqual([expect.objectContaining({ purpose: 'topup', status: 'captured', amountPaise: 500_000 })]);
    await request(t.http).get('/healthz').expect(200);
  });
});
