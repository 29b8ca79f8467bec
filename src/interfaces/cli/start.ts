import { ConfigError, loadConfig } from '../../infrastructure/config.js';
import { startServer } from '../server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const server = await startServer(config);
  const { log } = server.services;
  const base = config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`;
  log.info({ profile: config.profile, url: base }, 'HealthVision is listening');
  console.log(`\nHealthVision (${config.profile} profile) on ${base}\n  API docs: ${base}/api-docs\n  Ready:    ${base}/readyz`);
  if (config.NODE_ENV === 'development' && server.seedLines.length > 0) {
    console.log(`\nDemo accounts (development only):\n${server.seedLines.map((l) => `  ${l}`).join('\n')}\n`);
  }

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down gracefully');
    server.stop().then(() => process.exit(0), (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('HealthVision failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
