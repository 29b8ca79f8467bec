import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Services } from '../../infrastructure/compositionRoot.js';
import type { Actor } from '../../domain/shared/event.js';
import { registerSignalling } from './signalling.js';
import { useMongoSocketAdapter } from './mongoSocketAdapter.js';
import { registerLiveStatus } from './liveStatus.js';

export interface SocketData {
  actor: Actor;
}

/**
 * Socket.io on the HTTP server's port. The handshake must carry `auth: { token }`; a missing or
 * invalid token refuses the connection with a `connect_error` whose message says why.
 */
export function attachSocketServer(httpServer: HttpServer, services: Services): Server {
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(httpServer, {
    cors: { origin: services.config.CORS_ORIGINS },
    maxHttpBufferSize: 100_000,
  });
  io.use(async (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) return next(new Error('unauthorized: a token is required in auth.token'));
    const actor = await services.authenticate(token).catch(() => null);
    if (!actor) return next(new Error('unauthorized: the token is invalid, expired or revoked'));
    socket.data.actor = actor;
    next();
  });
  // ---- realtime handlers: each context registers below ----

  if (services.config.MONGODB_URL) {
    useMongoSocketAdapter(io as unknown as Server, httpServer, services.config.MONGODB_URL, services.config.MONGODB_DB, services.log);
  }
  registerSignalling(io as unknown as Server, services);
  registerLiveStatus(io as unknown as Server, services.integrations.liveStatus);
  // ---- end of realtime handlers ----
  return io as unknown as Server;
}
