import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('the service shell', () => {
  it('reports liveness and readiness on the embedded profile', async () => {
    expect((await request(t.http).get('/healthz')).status).toBe(200);
    const ready = await request(t.http).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', profile: 'embedded' });
  });

  it('serves an OpenAPI 3 document and the Swagger UI', async () => {
    const doc = await request(t.http).get('/api-docs.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.info.title).toBe('HealthVision API');
    const ui = await request(t.http).get('/api-docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('exports Prometheus metrics: HTTP latency, event-loop lag, projection lag', async () => {
    await request(t.http).get('/healthz');
    const res = await request(t.http).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    expect(res.text).toContain('projection_lag_events');
  });

  it('labels HTTP latency with the full route path, mount point included, refusals too', async () => {
    // A 401 from the login route: the error leaves the mounted auth router before the answer is finished.
    await request(t.http).post('/api/auth/login').send({ email: 'nobody@example.test', password: 'long enough pw' }).expect(401);
    const metrics = (await request(t.http).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/auth\/login",status="401"/);
    expect(metrics).not.toMatch(/route="\/login"/);
  });

  it('lets browser scripts read the rate-limit headers', async () => {
    const res = await request(t.http).get('/api/doctors').set('Origin', 'http://localhost:5173').expect(200);
    expect(res.headers.ratelimit).toBeDefined();
    expect(String(res.headers['access-control-expose-headers']).split(',')).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']));
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await request(t.http).get('/api/nothing-here'), 404);
  });

  it('answers malformed JSON with a 400 problem and no stack trace', async () => {
    const res = await request(t.http).post('/api/anything').set('content-type', 'application/json').send('{"a": ');
    expectProblem(res, 400);
  });

  it('refuses bodies over 100 kB with 413', async () => {
    const res = await request(t.http).post('/api/anything').set('content-type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(150_000) }));
    expectProblem(res, 413);
  });

  it.each([
    ['garbage', 'Bearer not-a-token'],
    ['a wrong scheme', 'Basic dXNlcjpwYXNz'],
    ['an unsigned token', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
  ])('refuses %s in Authorization with a 401 problem', async (_, header) => {
    expectProblem(await request(t.http).get('/api/nothing-here').set('Authorization', header), 401);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    expect((await request(t.http).get('/healthz').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    expect((await request(t.http).get('/healthz').set('X-Request-Id', 'bad id <script>')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await request(t.http).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
