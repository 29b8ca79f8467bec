import { createClient } from '@hey-api/openapi-ts';
import { buildOpenApiDocument } from './openApiDocument.js';

/** Where the committed client lives (see clients/typescript/README.md). */
export const CLIENT_SOURCES = 'clients/typescript/src';

/**
 * Generates the typed fetch client (types, one function per operationId, the bundled fetch client)
 * from the document the service serves, into `outputDir` (emptied first).
 */
export async function generateTypescriptClient(outputDir: string): Promise<void> {
  await createClient({
    input: await buildOpenApiDocument() as Record<string, unknown>,
    output: { path: outputDir, clean: true },
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent', file: false },
  });
}
