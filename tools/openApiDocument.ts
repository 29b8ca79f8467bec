import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/infrastructure/config.js';
import { buildServices } from '../src/infrastructure/compositionRoot.js';
import { createHttpApp } from '../src/interfaces/http/app.js';
import { openApiDocument } from '../src/interfaces/http/openapi.js';

/**
 * The OpenAPI document `/api-docs.json` serves, built in-process: routers document themselves when the
 * app is assembled, so this assembles one on a throwaway store (development profile, so the development
 * routes are in it) without listening or starting projections.
 */
export async function buildOpenApiDocument(): Promise<object> {
  const dataDir = mkdtempSync(join(tmpdir(), 'healthvision-openapi-'));
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_DEMO: 'false' });
  const services = await buildServices(config);
  try {
    createHttpApp(services);
    return openApiDocument();
  } finally {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
