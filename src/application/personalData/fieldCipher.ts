import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';

/**
 * How one personal field is stored: `{ pd: 1, by: ownerId, ct }`, `ct` being base64 of
 * IV (12 bytes) | GCM tag (16) | AES-256-GCM ciphertext of the value's JSON. Plain values are never
 * objects of this shape, so older events written in plaintext read as they are. A field written
 * after its owner was erased has no `ct`: it was forgotten before it was stored.
 */
export interface SealedField {
  pd: 1;
  by: string;
  ct?: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isSealed(value: unknown): value is SealedField {
  return typeof value === 'object' && value !== null && (value as SealedField).pd === 1 && typeof (value as SealedField).by === 'string';
}

function subkey(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `healthvision personal data ${purpose}`, 32));
}

/** The AAD binds a ciphertext to its event and owner: it cannot be moved into another event. */
const aad = (eventId: string, owner: string) => Buffer.from(`${eventId}\u0000${owner}`);

/**
 * The IV is derived from (event id, path, plaintext) under a key of its own (a synthetic IV): the same
 * event encrypts to the same bytes, so a retried append is recognised as the same append, and an IV
 * only repeats for an identical plaintext, never for two different ones.
 */
export function seal(key: Buffer, owner: string, eventId: string, path: string, value: unknown): SealedField {
  const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
  const iv = createHmac('sha256', subkey(key, 'iv')).update(`${eventId}\u0000${path}\u0000`).update(plaintext).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', subkey(key, 'aes-256-gcm'), iv);
  cipher.setAAD(aad(eventId, owner));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { pd: 1, by: owner, ct: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64') };
}

export function forgottenAtWrite(owner: string): SealedField {
  return { pd: 1, by: owner };
}

/** The value, or `undefined` when it cannot be recovered (no key, wrong key, damaged bytes). */
export function unseal(key: Buffer | null | undefined, sealed: SealedField, eventId: string): unknown {
  if (!key || !sealed.ct) return undefined;
  try {
    const bytes = Buffer.from(sealed.ct, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', subkey(key, 'aes-256-gcm'), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(aad(eventId, sealed.by));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    return undefined;
  }
}
