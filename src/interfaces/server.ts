import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server as IoServer } from 'socket.io';
import type { Config } from '../infrastructure/config.js';
import { buildServices, type Overrides, type Services } from '../infrastructure/compositionRoot.js';
import { seedDemo } from '../infrastructure/seed/demoSeed.js';
import { createHttpApp } from './http/app.js';
import { createHttpServer } from './http/httpServer.js';
import { attachSocketServer } from './realtime/socketServer.js';

export interface RunningServer {
  services: Services;
  http: HttpServer;
  io: IoServer;
  url: string;
  seedLines: string[];
  stop(): Promise<void>;
}

/** Builds, starts and listens: the whole service in one call (the CLI, the bench and tests use it). */
export async function startServer(config: Config, overrides: Overrides = {}): Promise<RunningServer> {
  const services = await buildServices(config, overrides);
  await services.start();
  const seed = config.seedDemo && config.profile === 'embedded' ? await seedDemo(services) : { lines: [] };
  const app = createHttpApp(services);
  const http = createHttpServer(app);
  const io = attachSocketServer(http, services);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  let stopping: Promise<void> | null = null;
  return {
    services, http, io, seedLines: seed.lines,
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      stopping ??= (async () => {
        // Stop taking connections, let in-flight requests finish, then close the stores.
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await io.close();
        await closed;
        await services.stop();
      })();
      return stopping;
    },
  };
}
