import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import type { Actor } from '../../src/domain/shared/event.js';
import { createLogger } from '../../src/infrastructure/logger.js';
import { registerSignalling } from '../../src/interfaces/realtime/signalling.js';
import { connected } from './consultationFixture.js';

/**
 * Signalling instances with the consultation rules stubbed, for tests of the transport between
 * instances (the cross-instance adapter): the handshake token is `userId:role`, and anyone may join.
 */
export interface Instance { io: Server; http: HttpServer; url: string }

export const silentLog = createLogger('silent');

const stubbedRules = {
  consultations: {
    join: async (_id: string, ctx: { actor: Actor }) => ({ role: ctx.actor.role as 'patient' | 'doctor', position: 0 }),
    leave: async () => ({ position: 0 }),
    end: async () => ({ position: 0 }),
  },
  clock: { now: () => new Date() },
  log: silentLog,
};

/** A listening instance on 127.0.0.1 whose adapter `attach` sets. */
export async function signallingInstance(attach: (io: Server, http: HttpServer) => void): Promise<Instance> {
  const http = createServer();
  const io = new Server(http);
  io.use((socket, nextMiddleware) => {
    const [userId, role] = String((socket.handshake.auth as { token?: string }).token).split(':');
    socket.data.actor = { userId, role };
    nextMiddleware();
  });
  attach(io, http);
  registerSignalling(io, stubbedRules);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** A connected client of `on` as `token`, kept in `sockets` for the suite to close. */
export async function connectAs(on: Instance, token: string, sockets: Socket[]): Promise<Socket> {
  const socket = connect(on.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return connected(socket);
}
