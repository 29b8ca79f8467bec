import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { seedDemo } from '../../../src/infrastructure/seed/demoSeed.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';

describe('the demo seed', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('gives every demo doctor a bookable week of slots', async () => {
    const report = await seedDemo(t.services);
    await t.services.projections.waitFor(await t.services.events.headPosition());
    const doctors = (await request(t.http).get('/api/doctors').expect(200)).body.items;
    expect(doctors.length).toBeGreaterThanOrEqual(3);
    for (const d of doctors) {
      const slots = (await request(t.http).get(`/api/doctors/${d.doctorId}/slots?status=available`).expect(200)).body.items;
      // Monday 09:00 in Kolkata: six working days of 10 slots each, all still ahead.
      expect(slots).toHaveLength(60);
      expect(slots[0]).toMatchObject({ start: '2030-01-07T04:30:00.000Z', feePaise: d.feePaise });
    }
    expect(report.lines.filter((l) => l.startsWith('slots'))).toHaveLength(doctors.length);
  });
});
