import { configOrReport, EXIT_CONFIG } from './cliConfig.js';
import { startServer } from '../server.js';

const DUPLICATE_SIGNAL_WINDOW_MS = 500;

async function main(): Promise<void> {
  const config = configOrReport();
  if (!config) process.exit(EXIT_CONFIG);
  const server = await startServer(config);
  const { log } = server.services;
  // Before anything is printed: a supervisor that signals as soon as it sees the banner gets a graceful stop.
  let firstSignalAt: number | null = null;
  const shutdown = (signal: string) => {
    if (firstSignalAt !== null) {
      // Ctrl-C reaches the whole process group and a parent (npm, tsx) forwards its own copy at once:
      // only a signal sent well after the first means "exit now".
      if (performance.now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAt = performance.now();
    log.info({ signal }, 'shutting down gracefully');
    server.stop().then(() => process.exit(0), (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const base = config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`;
  log.info({ profile: config.profile, url: base, host: config.HOST }, 'HealthVision is listening');
  console.log(`\nHealthVision (${config.profile} profile) on ${base}\n  API docs: ${base}/api-docs\n  Ready:    ${base}/readyz`);
  if (config.hostDefaulted && config.NODE_ENV !== 'production') {
    // The development mailbox and secrets must not reach the network by accident.
    console.log(`  Bound to ${config.HOST} only (NODE_ENV=${config.NODE_ENV}, HOST unset): other machines cannot connect; set HOST=0.0.0.0 to allow them.`);
  }
  if (config.NODE_ENV === 'development' && server.seedLines.length > 0) {
    console.log(`\nDemo accounts (development only):\n${server.seedLines.map((l) => `  ${l}`).join('\n')}`);
  }
  if (config.NODE_ENV === 'development' && config.seedDemo && config.profile === 'embedded') {
    // The passwords are printed once and kept nowhere, so say how to get new ones on every start.
    console.log(`\nDemo passwords are printed only on the first start of an empty store. New ones: stop, delete ${config.dataDir}, start again;\n` +
      `  or reset one: POST ${base}/api/auth/forgot-password, then reset-password with the code from ${base}/api/dev/mailbox\n`);
  }
}

main().catch((error: unknown) => {
  // The stack goes to the operator's terminal: a start-up failure is ours to diagnose, not a client's to see.
  console.error('HealthVision failed to start:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
