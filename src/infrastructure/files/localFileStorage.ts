import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { join } from 'node:path';
import type { Clock } from '../../application/ports/clock.js';
import type { FileStorage } from '../../application/ports/fileStorage.js';

/** Names are server-generated (`<uuid>.<ext>`); anything else is refused, so no path can escape `dir`. */
const NAME = /^[A-Za-z0-9-]{1,100}\.(?:pdf|jpg|png)$/;
const EXPIRES = /^\d{1,12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** Link signatures get their own key, derived from the JWT secret, so a link can never pass as a token. */
export function deriveLinkSigningKey(jwtSecret: string): Buffer {
  return createHmac('sha256', jwtSecret).update('healthvision/report-file-links/v1').digest();
}

/**
 * Report files on local disk under `dir`. They are never served statically: a download link carries
 * an expiry and an HMAC over (file, expiry), and the route that serves it checks both.
 */
export class LocalFileStorage implements FileStorage {
  constructor(private readonly options: { dir: string; signingKey: Buffer; clock: Clock; downloadPath: string }) {}

  async put(name: string, content: Blob): Promise<{ storageKey: string }> {
    await mkdir(this.options.dir, { recursive: true });
    const path = this.pathOf(name);
    // `wx`: a name is written once; a write cut short leaves no half file behind.
    const target = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    try {
      await pipeline(Readable.fromWeb(content.stream() as WebReadableStream), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
      throw error;
    }
    return { storageKey: name };
  }

  read(storageKey: string): Promise<Buffer> {
    return readFile(this.pathOf(storageKey));
  }

  async signedUrl(storageKey: string, { ttlSeconds }: { ttlSeconds: number }): Promise<string> {
    if (!NAME.test(storageKey)) throw new Error(`not a report file name: ${storageKey}`);
    const expires = String(Math.floor(this.options.clock.now().getTime() / 1000) + ttlSeconds);
    const signature = this.sign(storageKey, expires);
    return `${this.options.downloadPath}/${encodeURIComponent(storageKey)}?expires=${expires}&sig=${signature}`;
  }

  async openSigned(storageKey: string, link: { expires: string; signature: string }) {
    if (!NAME.test(storageKey) || !EXPIRES.test(link.expires) || !SIGNATURE.test(link.signature)) return null;
    if (Number(link.expires) * 1000 <= this.options.clock.now().getTime()) return null;
    // Compared as text: decoding would accept other spellings of the same bytes (the last character's spare bits).
    if (!timingSafeEqual(Buffer.from(link.signature), Buffer.from(this.sign(storageKey, link.expires)))) return null;
    const path = this.pathOf(storageKey);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return null;
    return { stream: createReadStream(path), sizeBytes: info.size };
  }

  private sign(storageKey: string, expires: string): string {
    return createHmac('sha256', this.options.signingKey).update(`${storageKey}\n${expires}`).digest('base64url');
  }

  private pathOf(name: string): string {
    if (!NAME.test(name)) throw new Error(`not a report file name: ${name}`);
    return join(this.options.dir, name);
  }
}
