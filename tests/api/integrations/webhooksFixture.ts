import { expect } from '@jest/globals';
import request from 'supertest';
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startTestApp, type TestApp, type TestAppOptions } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer, givenSlots } from '../../support/booking.js';
import { FakeTimeJobs } from '../../support/fakeTimeJobs.js';
import { eventually, untilQuiet } from '../../support/polling.js';
import { startStubServer, type StubRequest, type StubServer } from '../../support/stubServer.js';
import type { Json } from '../../support/httpClient.js';

export { bearer, eventually };

export interface WebhooksWorld {
  t: TestApp;
  admin: GivenUser;
  doctor: GivenUser;
  patient: GivenUser;
  slots: string[];
  jobs: FakeTimeJobs;
  /** The integrator's receiver; answers with `answers` in turn, then 200. */
  stub: StubServer;
  answers: number[];
  close(): Promise<void>;
}

export async function webhooksWorld(options: TestAppOptions & { names?: { patient?: string; doctor?: string } } = {}): Promise<WebhooksWorld> {
  const answers: number[] = [];
  const stub = await startStubServer((_req: StubRequest, res: ServerResponse) => { res.writeHead(answers.shift() ?? 200).end(); });
  const t = await startTestApp({ ...options, env: { MIN_NOTICE_MINUTES: '0', ...options.env } });
  const [admin, doctor, patient] = await Promise.all([
    givenUser(t, { role: 'admin' }),
    givenUser(t, { role: 'doctor', name: options.names?.doctor }),
    givenUser(t, { role: 'patient', name: options.names?.patient }),
  ]);
  const slots = await givenSlots(t, doctor);
  return {
    t, admin, doctor, patient, slots, jobs: new FakeTimeJobs(), stub, answers,
    close: async () => { await untilQuiet(t.services.events); await t.close(); await stub.close(); },
  };
}

export async function register(w: WebhooksWorld, body: Json, expectStatus = 201): Promise<Json> {
  return (await request(w.t.http).post('/api/admin/webhooks').set(bearer(w.admin)).send(body).expect(expectStatus)).body as Json;
}

export async function deliveries(w: WebhooksWorld, endpointId: string): Promise<Json[]> {
  return (await request(w.t.http).get(`/api/admin/webhooks/${endpointId}/deliveries`).set(bearer(w.admin)).expect(200)).body.items as Json[];
}

/** Runs due delivery jobs (the fake clock's timer) until the stub has seen `count` requests. */
export async function receivedAfterJobs(w: WebhooksWorld, count: number): Promise<StubRequest[]> {
  await eventually(async () => {
    await w.jobs.runDue(w.t.services);
    expect(w.stub.requests).toHaveLength(count);
  });
  return w.stub.requests;
}

/** Runs whatever is due once the reactors are quiet: nothing new may arrive. */
export async function nothingMoreArrives(w: WebhooksWorld): Promise<void> {
  const before = w.stub.requests.length;
  await untilQuiet(w.t.services.events);
  await w.jobs.runDue(w.t.services);
  await untilQuiet(w.t.services.events);
  expect(w.stub.requests).toHaveLength(before);
}

/** What a receiver does (docs/webhooks.md): HMAC over `{timestamp}.{raw body}`. */
export function validSignature(req: StubRequest, secret: string): boolean {
  const timestamp = String(req.headers['x-healthvision-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body.toString('utf8')}`).digest('hex')}`;
  return req.headers['x-healthvision-signature'] === expected;
}

export const bodyOf = (req: StubRequest): Json => JSON.parse(req.body.toString('utf8')) as Json;
