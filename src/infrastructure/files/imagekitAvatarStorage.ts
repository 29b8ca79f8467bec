import ImageKit from 'imagekit';
import type { AvatarStorage } from '../../application/ports/avatarStorage.js';
import { AVATAR_EXTENSIONS } from './localAvatarStorage.js';

export interface ImageKitSettings {
  publicKey: string;
  privateKey: string;
  urlEndpoint: string;
  /** Only tests point the SDK at a local stub; production uses the SDK's default upload endpoint. */
  uploadEndpoint?: string;
}

/** Avatars in ImageKit's media library (folder `/avatars`), answered with ImageKit's delivery URL. */
export function imagekitAvatarStorage(settings: ImageKitSettings): AvatarStorage {
  const imagekit = new ImageKit({
    publicKey: settings.publicKey,
    privateKey: settings.privateKey,
    urlEndpoint: settings.urlEndpoint,
    ...(settings.uploadEndpoint ? { uploadEndpoint: settings.uploadEndpoint } : {}),
  });
  return {
    async save({ userId, bytes, mimeType }) {
      const uploaded = await imagekit.upload({
        file: bytes,
        fileName: `${userId}.${AVATAR_EXTENSIONS[mimeType]}`,
        folder: '/avatars',
        useUniqueFileName: true,
      });
      return { url: uploaded.url };
    },
  };
}
