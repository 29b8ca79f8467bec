import { afterEach, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DevMailbox } from '../../../src/infrastructure/mail/devMailbox.js';
import { resendMailer } from '../../../src/infrastructure/mail/resendMailer.js';
import { FakeClock } from '../../support/fakeClock.js';
import { startStub, type Stub } from './stubServer.js';
import { isTransient } from '../../../src/application/eventSourcing/transientFailure.js';
import { DomainError } from '../../../src/domain/shared/errors.js';
import { closedPortUrl } from '../../support/stubServer.js';

const message = { to: 'asha@example.com', subject: 'Your code', text: 'Use the code 493817 to sign in.', idempotencyKey: 'identity:code:evt-1' };

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('Mailer contract: development mailbox', () => {
  it('holds the message for GET /api/dev/mailbox, newest first, filtered by recipient (any case)', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00.000Z');
    const mailbox = new DevMailbox(clock, capturingLogger().log);
    await mailbox.send(message);
    clock.advance(1000);
    await mailbox.send({ ...message, text: 'second', idempotencyKey: 'k2' });
    await mailbox.send({ ...message, to: 'ravi@example.com', idempotencyKey: 'k3' });
    expect(mailbox.list('ASHA@example.com')).toEqual([
      { to: 'asha@example.com', subject: 'Your code', text: 'second', at: '2030-01-01T00:00:01.000Z' },
      { to: 'asha@example.com', subject: 'Your code', text: message.text, at: '2030-01-01T00:00:00.000Z' },
    ]);
    expect(mailbox.list()).toHaveLength(3);
  });

  it('the same idempotency key is delivered once', async () => {
    const mailbox = new DevMailbox(new FakeClock(), capturingLogger().log);
    await mailbox.send(message);
    await mailbox.send(message);
    expect(mailbox.list(message.to)).toHaveLength(1);
  });

  it('logs the recipient and subject but never the body (it carries the code)', async () => {
    const { log, lines } = capturingLogger();
    await new DevMailbox(new FakeClock(), log).send(message);
    expect(lines.join('')).toContain('asha@example.com');
    expect(lines.join('')).toContain('Your code');
    expect(lines.join('')).not.toContain('493817');
  });
});

describe('Mailer: Resend adapter against a local stub of the Resend API', () => {
  let stub: Stub;
  afterEach(async () => { await stub.close(); });

  it('POSTs /emails with the API key, the idempotency key and the message', async () => {
    stub = await startStub({ status: 200, body: { id: 'email-1' } });
    const mailer = resendMailer({ apiKey: 're_test_key', from: 'HealthVision <no-reply@healthvision.dev>', baseUrl: stub.url });
    await mailer.send(message);
    expect(stub.requests).toHaveLength(1);
    const [req] = stub.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/emails');
    expect(req.headers.authorization).toBe('Bearer re_test_key');
    expect(req.headers['idempotency-key']).toBe('identity:code:evt-1');
    expect(req.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(req.body.toString())).toMatchObject({
      from: 'HealthVision <no-reply@healthvision.dev>', to: 'asha@example.com', subject: 'Your code', text: message.text,
    });
  });

  it('a refusal becomes an error naming Resend\'s reason, without the message body', async () => {
    stub = await startStub({ status: 422, body: { name: 'validation_error', message: 'Invalid `to` field.', statusCode: 422 } });
    const mailer = resendMailer({ apiKey: 're_test_key', from: 'x@healthvision.dev', baseUrl: stub.url });
    const failure = await mailer.send(message).then(() => null, (error: unknown) => error as Error);
    expect(failure?.message).toContain('validation_error');
    expect(failure?.message).not.toContain('493817');
  });

  const sendThrough = async (url: string) => resendMailer({ apiKey: 're_test_key', from: 'x@healthvision.dev', baseUrl: url }).send(message)
    .then(() => null, (error: unknown) => error as Error);

  it.each([
    ['an invalid message', 422, 'validation_error'],
    ['an unverified sending domain', 403, 'validation_error'],
    ['a bad From address', 422, 'invalid_from_address'],
    ['an idempotency key reused with another message', 409, 'invalid_idempotent_request'],
    ['a missing field', 422, 'missing_required_field'],
  ])('refusing %s is permanent: retrying the same e-mail cannot help', async (_, status, name) => {
    stub = await startStub({ status, body: { name, message: 'refused', statusCode: status } });
    const failure = await sendThrough(stub.url);
    expect(failure).toBeInstanceOf(DomainError);
    expect(isTransient(failure)).toBe(false);
    expect(failure?.message).toContain(name);
  });

  it.each([
    ['rate limiting', 429, 'rate_limit_exceeded'],
    ['the daily quota', 429, 'daily_quota_exceeded'],
    ['a server error', 500, 'internal_server_error'],
    ['an application error', 500, 'application_error'],
    ['a concurrent request under the same key', 409, 'concurrent_idempotent_requests'],
    ['a rejected API key (a configuration an operator fixes)', 403, 'invalid_api_key'],
  ])('%s is transient', async (_, status, name) => {
    stub = await startStub({ status, body: { name, message: 'later', statusCode: status } });
    expect(isTransient(await sendThrough(stub.url))).toBe(true);
  });

  it('a proxy\'s error page (no Resend error) and an unreachable service are transient', async () => {
    stub = await startStub({ status: 502, body: '<html>Bad Gateway</html>' });
    expect(isTransient(await sendThrough(stub.url))).toBe(true);
    const unreachable = await sendThrough(await closedPortUrl());
    expect(unreachable).toBeInstanceOf(DomainError);
    expect(isTransient(unreachable)).toBe(true);
  });
});
