import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { givenUser } from '../../support/identity.js';
import { startTestServer } from '../../support/testApp.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.cleanup(); });

/** Connects once and reports how the handshake ended (bounded by a timeout). */
function handshake(auth: Record<string, unknown>): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket: Socket = io(server.url, { auth, transports: ['websocket'], reconnection: false, timeout: 5000 });
    const done = (outcome: string) => { socket.close(); resolve(outcome); };
    socket.on('connect', () => done('connected'));
    socket.on('connect_error', (error) => done(error.message));
  });
}

describe('Socket.io handshake with identity tokens', () => {
  it('a signed-in user connects', async () => {
    const user = await givenUser(server, { role: 'patient' });
    expect(await handshake({ token: user.token })).toBe('connected');
  });

  it.each([
    ['no token', {}],
    ['a garbled token', { token: 'garbage' }],
  ])('%s is refused', async (_, auth) => {
    expect(await handshake(auth)).toMatch(/^unauthorized/);
  });
});
