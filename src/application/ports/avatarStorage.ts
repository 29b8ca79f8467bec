export type AvatarMimeType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface AvatarUpload {
  userId: string;
  bytes: Buffer;
  /** Already checked against the content, not taken from the client. */
  mimeType: AvatarMimeType;
}

/** Stores profile pictures somewhere browsers can fetch them from; answers the public URL. */
export interface AvatarStorage {
  save(upload: AvatarUpload): Promise<{ url: string }>;
}
