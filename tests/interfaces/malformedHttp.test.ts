import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { startTestServer } from '../support/testApp.js';

/*
 * Requests Node's HTTP parser refuses before any route runs (oversized headers, a request that is not
 * HTTP). Node's own answer is a bare status line with no body; clients and the fuzz expect the same
 * problem+json as every other refusal, and the service must keep serving afterwards.
 */
type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Sends raw bytes and reads everything until the server closes the connection. */
function raw(server: Server, bytes: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk; });
    socket.on('end', () => resolve(answer)).on('error', reject).setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) as Record<string, unknown> : null };
}

describe('requests the HTTP parser refuses', () => {
  let server: Server;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(async () => { await server.cleanup(); });

  it('headers over the size limit get a 431 problem+json', async () => {
    const answer = parse(await raw(server, `GET /api/doctors?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 431, code: 'headers_too_large', title: 'Request Header Fields Too Large' });
  });

  it('a request that is not HTTP gets a 400 problem+json', async () => {
    const answer = parse(await raw(server, 'HELLO THERE\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 400, code: 'malformed_http', title: 'Bad Request' });
  });

  it('the service still answers afterwards', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
