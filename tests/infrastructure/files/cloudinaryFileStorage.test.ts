import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { CloudinaryFileStorage, parseCloudinaryUrl } from '../../../src/infrastructure/files/cloudinaryFileStorage.js';
import { FakeClock } from '../../support/fakeClock.js';
import { json, startStubServer, type StubRequest, type StubServer } from '../../support/stubServer.js';

const SECRET = 'stub-secret';
const pdf = Buffer.from('%PDF-1.7 a lab report');
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/** Cloudinary's request signature: sorted `key=value` pairs joined by `&`, then the secret, SHA-1. */
function expectedSignature(params: Record<string, string>): string {
  const signed = Object.keys(params).filter((k) => !['file', 'api_key', 'signature', 'resource_type'].includes(k)).sort()
    .map((k) => `${k}=${params[k]}`).join('&');
  return createHash('sha1').update(signed + SECRET).digest('hex');
}

async function formOf(req: StubRequest): Promise<FormData> {
  return new Response(req.body, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
}

let stub: StubServer;
let storage: CloudinaryFileStorage;
const clock = new FakeClock('2030-01-07T03:30:00.000Z');
const now = Math.floor(clock.now().getTime() / 1000);

beforeAll(async () => {
  stub = await startStubServer((req, res) => {
    const upload = /^\/v1_1\/demo-cloud\/(raw|image)\/upload$/.exec(req.url);
    if (req.method === 'POST' && upload) {
      void formOf(req).then((form) => json(res, 200, {
        public_id: form.get('public_id'), resource_type: upload[1], type: form.get('type'), format: upload[1] === 'raw' ? undefined : 'png',
      }));
      return;
    }
    if (req.method === 'GET' && req.url.startsWith('/v1_1/demo-cloud/raw/download?')) return void res.end(pdf);
    json(res, 404, { error: { message: 'not here' } });
  });
  storage = new CloudinaryFileStorage(parseCloudinaryUrl(`cloudinary://stub-key:${SECRET}@demo-cloud?upload_prefix=${stub.url}`), { clock });
});
afterAll(async () => { await stub.close(); });

describe('the Cloudinary file storage against a local stub', () => {
  it('uploads a PDF as a private raw asset with a signed request', async () => {
    const { storageKey } = await storage.put('rep-1.pdf', new Blob([pdf]), 'application/pdf');
    expect(storageKey).toBe('raw:healthvision/reports/rep-1.pdf');
    const sent = stub.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/v1_1/demo-cloud/raw/upload' });
    const form = await formOf(sent);
    const fields = Object.fromEntries([...form.entries()].filter(([k]) => k !== 'file').map(([k, v]) => [k, String(v)]));
    expect(fields).toEqual({
      public_id: 'healthvision/reports/rep-1.pdf', type: 'authenticated', overwrite: 'false', timestamp: String(now),
      api_key: 'stub-key', signature: expectedSignature(fields),
    });
    const uploaded = form.get('file') as File;
    expect(uploaded.type).toBe('application/pdf');
    expect(Buffer.compare(Buffer.from(await uploaded.arrayBuffer()), pdf)).toBe(0);
  });

  it('uploads an image as a private image asset, without an extension in its id', async () => {
    const { storageKey } = await storage.put('rep-2.png', new Blob([png]), 'image/png');
    expect(storageKey).toBe('image:healthvision/reports/rep-2');
    expect(stub.requests.at(-1)!.url).toBe('/v1_1/demo-cloud/image/upload');
  });

  it('hands out a signed, expiring private-download link as an attachment', async () => {
    const url = new URL(await storage.signedUrl('raw:healthvision/reports/rep-1.pdf', { mimeType: 'application/pdf', ttlSeconds: 300 }));
    expect(`${url.origin}${url.pathname}`).toBe(`${stub.url}/v1_1/demo-cloud/raw/download`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      public_id: 'healthvision/reports/rep-1.pdf', type: 'authenticated', attachment: 'true',
      expires_at: String(now + 300), timestamp: String(now), api_key: 'stub-key',
    });
    expect(params.signature).toBe(expectedSignature(params));
  });

  it('links to an image in its delivered format', async () => {
    const url = new URL(await storage.signedUrl('image:healthvision/reports/rep-2', { mimeType: 'image/png', ttlSeconds: 60 }));
    expect(url.pathname).toBe('/v1_1/demo-cloud/image/download');
    expect(url.searchParams.get('format')).toBe('png');
  });

  it('reads a stored file back through a signed link (for the analyzer)', async () => {
    const bytes = await storage.read('raw:healthvision/reports/rep-1.pdf', 'application/pdf');
    expect(Buffer.compare(bytes, pdf)).toBe(0);
    const sent = new URL(stub.requests.at(-1)!.url, stub.url);
    expect(sent.searchParams.get('type')).toBe('authenticated');
    expect(sent.searchParams.get('attachment')).not.toBe('true');
  });

  it('reports a refused upload', async () => {
    const refusing = new CloudinaryFileStorage(parseCloudinaryUrl(`cloudinary://k:s@other-cloud?upload_prefix=${stub.url}`), { clock });
    await expect(refusing.put('rep-3.pdf', new Blob([pdf]), 'application/pdf')).rejects.toThrow(/Cloudinary refused the upload: HTTP 404/);
  });

  it('refuses a malformed CLOUDINARY_URL', () => {
    expect(() => parseCloudinaryUrl('https://key:secret@cloud')).toThrow(/cloudinary:\/\//);
  });
});
