import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AvatarMimeType, AvatarStorage } from '../../application/ports/avatarStorage.js';

export const AVATAR_EXTENSIONS: Record<AvatarMimeType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/**
 * Avatars on local disk under `<dir>`, served read-only at `<urlPrefix>` (the HTTP app mounts it).
 * File names are random, never from the client, so nothing can be overwritten or traversed.
 */
export function localAvatarStorage(dir: string, urlPrefix: string): AvatarStorage {
  return {
    async save({ bytes, mimeType }) {
      await mkdir(dir, { recursive: true });
      const name = `${randomUUID()}.${AVATAR_EXTENSIONS[mimeType]}`;
      await writeFile(join(dir, name), bytes, { flag: 'wx' });
      return { url: `${urlPrefix}/${name}` };
    },
  };
}
