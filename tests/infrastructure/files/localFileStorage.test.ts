import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileStorage, deriveLinkSigningKey } from '../../../src/infrastructure/files/localFileStorage.js';
import type { FileStorage } from '../../../src/application/ports/fileStorage.js';
import { FakeClock } from '../../support/fakeClock.js';

const dir = mkdtempSync(join(tmpdir(), 'report-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = new FakeClock();
/** Used through the port, as the application uses it. */
const storage: Required<FileStorage> = new LocalFileStorage({ dir, signingKey: deriveLinkSigningKey('a'.repeat(32)), clock, downloadPath: '/files' });
const linkOf = (url: string) => {
  const parsed = new URL(url, 'http://x');
  return { name: decodeURIComponent(parsed.pathname.replace('/files/', '')), expires: parsed.searchParams.get('expires')!, signature: parsed.searchParams.get('sig')! };
};

describe('local report file storage', () => {
  it('stores, reads back and opens a file through its signed link until it expires', async () => {
    const { storageKey } = await storage.put('3f2a.pdf', new Blob([Buffer.from('%PDF-1.7 x')]), 'application/pdf');
    expect(await storage.read(storageKey, 'application/pdf')).toEqual(Buffer.from('%PDF-1.7 x'));
    const { name, expires, signature } = linkOf(await storage.signedUrl(storageKey, { mimeType: 'application/pdf', ttlSeconds: 60 }));
    const opened = await storage.openSigned(name, { expires, signature });
    expect(opened?.sizeBytes).toBe(10);
    opened?.stream.destroy();
    clock.advance(60_000);
    expect(await storage.openSigned(name, { expires, signature })).toBeNull();
  });

  it('never writes over an existing file', async () => {
    await storage.put('dup.pdf', new Blob([Buffer.from('first')]), 'application/pdf');
    await expect(storage.put('dup.pdf', new Blob([Buffer.from('second')]), 'application/pdf')).rejects.toThrow();
    expect((await storage.read('dup.pdf', 'application/pdf')).toString()).toBe('first');
  });

  it.each(['../escape.pdf', 'a/b.pdf', 'x.exe', '.pdf'])('refuses the name %s', async (name) => {
    await expect(storage.put(name, new Blob([Buffer.from('x')]), 'application/pdf')).rejects.toThrow(/not a report file name/);
    expect(await storage.openSigned(name, { expires: '9999999999', signature: 'A'.repeat(43) })).toBeNull();
  });

  it('a link signed with another secret is refused', async () => {
    await storage.put('other.pdf', new Blob([Buffer.from('x')]), 'application/pdf');
    const foreign: FileStorage = new LocalFileStorage({ dir, signingKey: deriveLinkSigningKey('b'.repeat(32)), clock, downloadPath: '/files' });
    const { name, expires, signature } = linkOf(await foreign.signedUrl('other.pdf', { mimeType: 'application/pdf', ttlSeconds: 60 }));
    expect(await storage.openSigned(name, { expires, signature })).toBeNull();
  });
});
