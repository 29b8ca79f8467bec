import { v2 as cloudinary } from 'cloudinary';
import { z } from 'zod';
import type { Clock } from '../../application/ports/clock.js';
import type { FileStorage } from '../../application/ports/fileStorage.js';

export interface CloudinaryAccount {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** API host, `https://api.cloudinary.com` unless the URL's `upload_prefix` says otherwise. */
  uploadPrefix: string;
}

/** `cloudinary://<key>:<secret>@<cloud>[?upload_prefix=<api host>]`, the SDK's own format. */
export function parseCloudinaryUrl(url: string): CloudinaryAccount {
  const parsed = new URL(url);
  if (parsed.protocol !== 'cloudinary:' || !parsed.hostname || !parsed.username || !parsed.password) {
    throw new Error('CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>');
  }
  return {
    cloudName: parsed.hostname,
    apiKey: decodeURIComponent(parsed.username),
    apiSecret: decodeURIComponent(parsed.password),
    uploadPrefix: parsed.searchParams.get('upload_prefix') ?? 'https://api.cloudinary.com',
  };
}

const uploaded = z.object({ public_id: z.string().min(1), resource_type: z.enum(['raw', 'image']) });

const FORMATS: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

/**
 * Report files on Cloudinary as `authenticated` assets: no public URL exists, and every download goes
 * through a signed, expiring private-download link. PDFs are `raw` resources (kept byte for byte),
 * images are `image` resources. The SDK signs requests and builds URLs; the transfer itself uses
 * `fetch`, because the SDK's uploader picks http or https once, at load time, from the environment.
 */
export class CloudinaryFileStorage implements FileStorage {
  constructor(
    private readonly account: CloudinaryAccount,
    private readonly deps: { clock: Clock; folder?: string; timeoutMs?: number },
  ) {}

  async put(name: string, content: Blob, mimeType: string): Promise<{ storageKey: string }> {
    const resourceType = mimeType === 'application/pdf' ? 'raw' : 'image';
    // Raw assets keep their extension in the public id; image ids are bare and get a format on delivery.
    const publicId = `${this.deps.folder ?? 'healthvision/reports'}/${resourceType === 'raw' ? name : name.replace(/\.[a-z]+$/, '')}`;
    const params = cloudinary.utils.sign_request(
      { timestamp: this.nowSeconds(), public_id: publicId, type: 'authenticated', overwrite: false },
      this.credentials(),
    );
    const form = new FormData();
    // A file-backed Blob is read as fetch sends it.
    form.append('file', content.type ? content : new Blob([content], { type: mimeType }), name);
    for (const [key, value] of Object.entries(params)) form.append(key, String(value));
    const response = await fetch(cloudinary.utils.api_url('upload', { ...this.credentials(), resource_type: resourceType }), {
      method: 'POST', body: form, signal: AbortSignal.timeout(this.deps.timeoutMs ?? 60_000),
    });
    if (!response.ok) throw new Error(`Cloudinary refused the upload: HTTP ${response.status} ${await response.text().catch(() => '')}`.trim());
    const asset = uploaded.parse(await response.json());
    return { storageKey: `${asset.resource_type}:${asset.public_id}` };
  }

  async read(storageKey: string, mimeType: string): Promise<Buffer> {
    const response = await fetch(this.downloadUrl(storageKey, mimeType, 60, false), { signal: AbortSignal.timeout(this.deps.timeoutMs ?? 60_000) });
    if (!response.ok) throw new Error(`Cloudinary download failed: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async signedUrl(storageKey: string, { mimeType, ttlSeconds }: { mimeType: string; ttlSeconds: number }): Promise<string> {
    return this.downloadUrl(storageKey, mimeType, ttlSeconds, true);
  }

  private downloadUrl(storageKey: string, mimeType: string, ttlSeconds: number, attachment: boolean): string {
    const [resourceType, publicId] = splitKey(storageKey);
    const options = {
      ...this.credentials(),
      resource_type: resourceType,
      type: 'authenticated',
      attachment,
      timestamp: this.nowSeconds(),
      expires_at: this.nowSeconds() + ttlSeconds,
    } as Parameters<typeof cloudinary.utils.private_download_url>[2];
    return cloudinary.utils.private_download_url(publicId, resourceType === 'raw' ? '' : FORMATS[mimeType] ?? '', options);
  }

  private credentials() {
    return { cloud_name: this.account.cloudName, api_key: this.account.apiKey, api_secret: this.account.apiSecret, upload_prefix: this.account.uploadPrefix };
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock.now().getTime() / 1000);
  }
}

function splitKey(storageKey: string): ['raw' | 'image', string] {
  const match = /^(raw|image):(.+)$/.exec(storageKey);
  if (!match) throw new Error(`not a Cloudinary storage key: ${storageKey}`);
  return [match[1] as 'raw' | 'image', match[2]];
}
