import { generateKeyPairSync } from 'node:crypto';

/** A fresh Ed25519 key for configurations that must name one (production), as base64 PKCS#8 DER. */
export const testLedgerSigningKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
