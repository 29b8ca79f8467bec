import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../../../src/domain/shared/errors.js';
import { razorpayGateway } from '../../../src/infrastructure/payments/razorpayGateway.js';
import { closedPortUrl } from '../../support/stubServer.js';

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: unknown }

/** A stand-in for api.razorpay.com on 127.0.0.1 that records what the SDK sends. */
describe('the Razorpay SDK adapter against a local stub of the API', () => {
  let server: Server;
  let hostUrl: string;
  let seen: Seen[] = [];
  /** What the stub answers to the next request instead of the normal answer; `silence` never answers. */
  let nextAnswer: { status: number; payload: unknown } | 'silence' | null = null;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => { raw += chunk; });
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : null;
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const reply = (status: number, payload: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(payload)); };
        const answer = nextAnswer;
        nextAnswer = null;
        if (answer === 'silence') return undefined;
        if (answer) return reply(answer.status, answer.payload);
        if (req.method === 'POST' && req.url === '/v1/orders') {
          return reply(200, { id: 'order_Stub0000000001', entity: 'order', amount: body.amount, currency: body.currency, receipt: body.receipt, status: 'created' });
        }
        if (req.method === 'GET' && req.url === '/v1/payments/pay_Stub0000000001') {
          return reply(200, { id: 'pay_Stub0000000001', entity: 'payment', amount: 50000, currency: 'INR', status: 'captured', order_id: 'order_Stub0000000001' });
        }
        if (req.method === 'POST' && req.url === '/v1/payments/pay_Stub0000000001/refund') {
          return reply(200, { id: 'rfnd_Stub000000001', entity: 'refund', amount: body.amount, payment_id: 'pay_Stub0000000001', status: 'processed' });
        }
        return reply(404, { error: { code: 'BAD_REQUEST_ERROR', description: 'not found' } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
  beforeEach(() => { seen = []; nextAnswer = null; });

  const gateway = () => razorpayGateway({ keyId: 'rzp_test_key', keySecret: 'stub-secret', hostUrl, timeoutMs: 2000 });
  const basicAuth = `Basic ${Buffer.from('rzp_test_key:stub-secret').toString('base64')}`;

  it('creates an order in paise and INR, with our payment id as receipt and the appointment in notes', async () => {
    const order = await gateway().createOrder({ amountPaise: 50_000, currency: 'INR', receipt: 'payment-1', notes: { appointmentId: 'appt-1' } });
    expect(order).toEqual({ orderId: 'order_Stub0000000001', amountPaise: 50_000, currency: 'INR' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/orders', body: { amount: 50_000, currency: 'INR', receipt: 'payment-1', notes: { appointmentId: 'appt-1' } } });
    expect(seen[0].headers.authorization).toBe(basicAuth);
    expect(seen[0].headers['content-type']).toMatch(/application\/json/);
  });

  it('fetches a payment as the gateway records it', async () => {
    expect(await gateway().fetchPayment('pay_Stub0000000001')).toEqual({
      gatewayPaymentId: 'pay_Stub0000000001', orderId: 'order_Stub0000000001', amountPaise: 50_000, status: 'captured',
    });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/payments/pay_Stub0000000001' });
    expect(seen[0].headers.authorization).toBe(basicAuth);
  });

  it('refunds with the X-Refund-Idempotency header carrying our refund id', async () => {
    const refund = await gateway().refund('pay_Stub0000000001', 25_000, 'late:payment-1');
    expect(refund).toEqual({ gatewayRefundId: 'rfnd_Stub000000001' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/payments/pay_Stub0000000001/refund', body: { amount: 25_000, speed: 'normal' } });
    expect(seen[0].headers['x-refund-idempotency']).toBe('late:payment-1');
    expect(seen[0].headers.authorization).toBe(basicAuth);
  });

  it('a gateway failure becomes a retryable 503-kind error, with no secret in the message', async () => {
    nextAnswer = { status: 500, payload: { error: { code: 'SERVER_ERROR', description: 'down' } } };
    const error = await gateway().createOrder({ amountPaise: 100, currency: 'INR', receipt: 'p', notes: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe('unavailable');
    expect((error as Error).message).not.toContain('stub-secret');
  });

  const badRequest = (description: string) => ({ error: { code: 'BAD_REQUEST_ERROR', description, source: 'business', step: 'payment_initiation', reason: 'input_validation_failed' } });
  const calls = {
    'creating an order': () => gateway().createOrder({ amountPaise: 100, currency: 'INR', receipt: 'p', notes: {} }),
    'looking up a payment': () => gateway().fetchPayment('pay_Stub0000000001'),
    'refunding': () => gateway().refund('pay_Stub0000000001', 25_000, 'cancel:evt-1'),
  };
  const attempt = (what: keyof typeof calls) => calls[what]().then(() => null, (e: unknown) => e as DomainError);

  it.each(Object.keys(calls) as Array<keyof typeof calls>)('a 400 refusal while %s is permanent, naming the gateway\'s reason', async (what) => {
    nextAnswer = { status: 400, payload: badRequest('The refund amount provided is greater than amount captured') };
    const error = await attempt(what);
    expect(error).toBeInstanceOf(DomainError);
    expect(error?.kind).not.toBe('unavailable');
    expect(error?.code).toBe('gateway_bad_request');
    expect(error?.message).toContain('The refund amount provided is greater than amount captured');
    expect(error?.message).not.toContain('stub-secret');
  });

  it.each([
    ['a fully refunded payment', 400, 'The payment has been fully refunded already'],
    ['an unknown payment', 404, 'The id provided does not exist'],
    ['a refund the gateway cannot process', 422, 'Refund could not be processed'],
  ])('a refund refused for %s is permanent', async (_, status, description) => {
    nextAnswer = { status, payload: badRequest(description) };
    expect(await attempt('refunding')).toMatchObject({ kind: 'invalid', code: 'gateway_bad_request' });
  });

  it.each([
    ['a server error', 500], ['a bad gateway', 502], ['an unavailable gateway', 503], ['rate limiting', 429], ['a request timeout', 408],
    ['refused credentials (a configuration an operator fixes)', 401],
  ])('%s is transient', async (_, status) => {
    for (const what of Object.keys(calls) as Array<keyof typeof calls>) {
      nextAnswer = { status, payload: { error: { code: 'SERVER_ERROR', description: 'try later' } } };
      expect(await attempt(what)).toMatchObject({ kind: 'unavailable', code: 'gateway_unavailable' });
    }
  });

  it('a gateway that does not answer in time is transient', async () => {
    const impatient = razorpayGateway({ keyId: 'rzp_test_key', keySecret: 'stub-secret', hostUrl, timeoutMs: 150 });
    nextAnswer = 'silence';
    await expect(impatient.refund('pay_Stub0000000001', 25_000, 'cancel:evt-1')).rejects.toMatchObject({ kind: 'unavailable' });
    nextAnswer = 'silence';
    await expect(impatient.fetchPayment('pay_Stub0000000001')).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('a gateway that cannot be reached is transient', async () => {
    const unreachable = razorpayGateway({ keyId: 'rzp_test_key', keySecret: 'stub-secret', hostUrl: await closedPortUrl(), timeoutMs: 2000 });
    await expect(unreachable.createOrder({ amountPaise: 100, currency: 'INR', receipt: 'p', notes: {} })).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(unreachable.refund('pay_Stub0000000001', 25_000, 'cancel:evt-1')).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
