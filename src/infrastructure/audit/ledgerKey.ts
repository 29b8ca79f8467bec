import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LedgerSigner } from '../../application/ports/ledgerStore.js';

/** Where the development profile keeps the key it generated (PKCS#8 PEM, mode 0600). */
export const DEVELOPMENT_KEY_FILE = 'ledger-signing-key.pem';

/**
 * An Ed25519 private key from `LEDGER_SIGNING_KEY`: a PKCS#8 PEM ("BEGIN PRIVATE KEY"), or the base64
 * of its DER. Throws with a reason on anything else (including keys of another algorithm).
 */
export function parseLedgerSigningKey(text: string): KeyObject {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey(trimmed)
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('not a PKCS#8 private key (PEM, or base64 of the DER)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an Ed25519 key is needed, not ${key.asymmetricKeyType ?? 'a secret key'}`);
  return key;
}

/** base64 of the SPKI DER: the body of the PEM "PUBLIC KEY", and the form heads carry. */
export function publicKeyOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
}

export function ed25519Signer(privateKey: KeyObject): LedgerSigner {
  return { publicKey: publicKeyOf(privateKey), sign: (message) => sign(null, message, privateKey).toString('base64') };
}

/**
 * The development key in `file`, generated on first use. Written exclusively with mode 0600 so a
 * second process starting at the same time reads the first one's key instead of replacing it.
 */
export function developmentSigningKey(file: string): { key: KeyObject; generated: boolean } {
  if (existsSync(file)) return { key: parseLedgerSigningKey(readFileSync(file, 'utf8')), generated: false };
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: parseLedgerSigningKey(readFileSync(file, 'utf8')), generated: false };
  }
  return { key: privateKey, generated: true };
}
