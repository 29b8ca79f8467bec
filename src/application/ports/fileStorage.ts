import type { Readable } from 'node:stream';

/**
 * Private file storage for medical reports. Nothing stored here is public: a file leaves only through
 * a short-lived signed link handed to someone already authorised.
 */
export interface FileStorage {
  /**
   * Stores a file under a server-generated `name`; answers the key to find it again. The content is a
   * Blob so that an upload spooled to disk travels to storage in chunks, never whole in memory.
   */
  put(name: string, content: Blob, mimeType: string): Promise<{ storageKey: string }>;
  /** The stored bytes (the analyzer reads the file through this). */
  read(storageKey: string, mimeType: string): Promise<Buffer>;
  /** A link that downloads the file as an attachment until `ttlSeconds` from now. */
  signedUrl(storageKey: string, options: { mimeType: string; ttlSeconds: number }): Promise<string>;
  /**
   * For storages whose links point back at this service (local disk): the file behind a link, if its
   * signature is valid and it has not expired; null otherwise. Cloud storages serve their own links.
   */
  openSigned?(storageKey: string, link: { expires: string; signature: string }): Promise<{ stream: Readable; sizeBytes: number } | null>;
}
