import { CLIENT_SOURCES, generateTypescriptClient } from './typescriptClient.js';

/** `npm run client:generate`: regenerates the committed TypeScript client from the current document. */
await generateTypescriptClient(CLIENT_SOURCES);
console.log(`Generated the TypeScript client in ${CLIENT_SOURCES}.`);
