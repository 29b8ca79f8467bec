import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestServer } from '../../support/testApp.js';
import { givenUser } from '../../support/identity.js';
import { eventually, FEE } from './paymentsFixture.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the simulator posting webhooks to PUBLIC_BASE_URL over HTTP', () => {
  it('a checkout alone (no verify) confirms the booking through the signed webhook', async () => {
    const port = await freePort();
    const server = await startTestServer({ env: { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
    try {
      const t = { services: server.services };
      const doctor = await givenUser(t, { role: 'doctor', doctor: { feePaise: FEE } });
      const patient = await givenUser(t, { role: 'patient' });
      const call = async (method: string, path: string, token: string | null, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method, body: body === undefined ? undefined : JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed JSON answers, checked by the assertions
        return { status: res.status, body: await res.json() as Record<string, any> };
      };
      await call('PUT', '/api/doctors/me/availability', doctor.token,
        { timezone: 'Asia/Kolkata', slotMinutes: 30, days: 7, weekly: [{ day: 'tue', start: '09:00', end: '12:00' }] });
      const slots = await call('GET', `/api/doctors/${doctor.userId}/slots?to=2099-01-01T00:00:00Z`, null);
      const held = await call('POST', '/api/appointments', patient.token, { slotId: slots.body.items[0].slotId });
      expect(held.status).toBe(201);
      const initiated = await call('POST', '/api/payments/initiate', patient.token, { appointmentId: held.body.appointmentId, method: 'razorpay' });
      expect(initiated.status).toBe(201);
      const checkout = await call('POST', '/api/dev/razorpay/checkout', null, { orderId: initiated.body.razorpay.orderId, outcome: 'success' });
      expect(checkout.body.razorpay_signature).toMatch(/^[0-9a-f]{64}$/);
      await eventually(async () => {
        expect((await call('GET', `/api/appointments/${held.body.appointmentId}`, patient.token)).body.status).toBe('confirmed');
      });
      await server.services.razorpaySimulator!.idle();
    } finally {
      await server.cleanup();
    }
  });
});
