import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { imagekitAvatarStorage } from '../../../src/infrastructure/files/imagekitAvatarStorage.js';
import { localAvatarStorage } from '../../../src/infrastructure/files/localAvatarStorage.js';
import { startStub, type Stub } from './stubServer.js';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const dir = mkdtempSync(join(tmpdir(), 'avatars-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AvatarStorage contract: local disk', () => {
  const storage = localAvatarStorage(join(dir, 'files', 'avatars'), '/files/avatars');

  it('stores the bytes and answers a URL under the public prefix, named by type, not by the client', async () => {
    const { url } = await storage.save({ userId: '../../etc/passwd', bytes: png, mimeType: 'image/png' });
    expect(url).toMatch(/^\/files\/avatars\/[0-9a-f-]{36}\.png$/);
    expect(readFileSync(join(dir, 'files', 'avatars', basename(url)))).toEqual(png);
  });

  it('two uploads never overwrite each other', async () => {
    const a = await storage.save({ userId: 'u1', bytes: png, mimeType: 'image/webp' });
    const b = await storage.save({ userId: 'u1', bytes: Buffer.from('other'), mimeType: 'image/webp' });
    expect(a.url).not.toBe(b.url);
    expect(readFileSync(join(dir, 'files', 'avatars', basename(a.url)))).toEqual(png);
  });
});

describe('AvatarStorage: ImageKit adapter against a local stub of the upload API', () => {
  let stub: Stub;
  afterEach(async () => { await stub.close(); });

  it('uploads multipart with the private key as basic auth and answers ImageKit\'s URL', async () => {
    stub = await startStub({ status: 200, body: { fileId: 'f1', name: 'u1_x.png', url: 'https://ik.imagekit.io/demo/avatars/u1_x.png' } });
    const storage = imagekitAvatarStorage({
      publicKey: 'public_test', privateKey: 'private_test', urlEndpoint: 'https://ik.imagekit.io/demo', uploadEndpoint: `${stub.url}/api/v1/files/upload`,
    });
    const { url } = await storage.save({ userId: 'u1', bytes: png, mimeType: 'image/png' });
    expect(url).toBe('https://ik.imagekit.io/demo/avatars/u1_x.png');

    const [req] = stub.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/v1/files/upload');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('private_test:').toString('base64')}`);
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = req.body.toString('latin1');
    expect(body).toMatch(/name="fileName"\r\n\r\nu1\.png\r\n/);
    expect(body).toMatch(/name="folder"\r\n\r\n\/avatars\r\n/);
    expect(body).toMatch(/name="useUniqueFileName"\r\n\r\ntrue\r\n/);
    expect(req.body.includes(png)).toBe(true);
  });

  it('an upload refused by ImageKit fails the save', async () => {
    stub = await startStub({ status: 401, body: { message: 'Your account cannot be authenticated.' } });
    const storage = imagekitAvatarStorage({
      publicKey: 'public_test', privateKey: 'wrong', urlEndpoint: 'https://ik.imagekit.io/demo', uploadEndpoint: `${stub.url}/api/v1/files/upload`,
    });
    await expect(storage.save({ userId: 'u1', bytes: png, mimeType: 'image/png' })).rejects.toBeDefined();
  });
});
