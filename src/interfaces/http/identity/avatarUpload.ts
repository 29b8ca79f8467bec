import type { RequestHandler } from 'express';
import multer from 'multer';
import { fileTypeFromBuffer } from 'file-type';
import type { AvatarMimeType } from '../../../application/ports/avatarStorage.js';
import { multipartBody } from '../multipartBody.js';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
const ALLOWED: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'] satisfies AvatarMimeType[];

/**
 * Multipart parsing for forms with an `avatar` file: in memory (≤ 2 MB, one file, few small fields).
 * Requests that are not multipart pass through untouched (sign-up also takes JSON).
 */
export function avatarMultipart(): RequestHandler {
  const upload = multipartBody(multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: AVATAR_MAX_BYTES, files: 1, fields: 20, fieldSize: 4 * 1024, parts: 21 },
  }).single('avatar'), AVATAR_MAX_BYTES);
  return (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next());
}

/** The image type read from the bytes themselves; the client's file name and header are ignored. */
export async function sniffAvatar(bytes: Buffer): Promise<AvatarMimeType | null> {
  const type = await fileTypeFromBuffer(bytes);
  return type && ALLOWED.includes(type.mime) ? (type.mime as AvatarMimeType) : null;
}
