import { join } from 'node:path';
import type { Clock } from '../../application/ports/clock.js';
import type { Mailer } from '../../application/ports/mailer.js';
import type { AvatarStorage } from '../../application/ports/avatarStorage.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { bcryptPasswordHasher } from '../auth/bcryptPasswordHasher.js';
import { cryptoOtpGenerator } from '../auth/cryptoOtpGenerator.js';
import { jwtTokenIssuer } from '../auth/jwtTokenIssuer.js';
import { DevMailbox } from '../mail/devMailbox.js';
import { resendMailer } from '../mail/resendMailer.js';
import { imagekitAvatarStorage } from '../files/imagekitAvatarStorage.js';
import { localAvatarStorage } from '../files/localAvatarStorage.js';

/** Where local avatars live on disk, relative to DATA_DIR, and the URL path the HTTP app serves them at. */
export const localAvatarDir = (config: Config): string => join(config.dataDir, 'files', 'avatars');
export const AVATAR_URL_PATH = '/files/avatars';

/** The identity context's adapters, chosen by configuration: real services when configured, local ones otherwise. */
export function identityAdapters(config: Config, clock: Clock, log: Logger) {
  const devMailbox = config.RESEND_API_KEY ? null : new DevMailbox(clock, log.child({ component: 'dev-mailbox' }));
  if (devMailbox && config.NODE_ENV === 'production') {
    log.warn('RESEND_API_KEY is not set: e-mails (sign-up and reset codes) are held in memory and reach nobody');
  }
  const mailer: Mailer = config.RESEND_API_KEY
    ? resendMailer({ apiKey: config.RESEND_API_KEY, from: config.MAIL_FROM })
    : devMailbox as DevMailbox;
  const imagekit = config.IMAGEKIT_PUBLIC_KEY && config.IMAGEKIT_PRIVATE_KEY && config.IMAGEKIT_URL_ENDPOINT
    ? { publicKey: config.IMAGEKIT_PUBLIC_KEY, privateKey: config.IMAGEKIT_PRIVATE_KEY, urlEndpoint: config.IMAGEKIT_URL_ENDPOINT }
    : null;
  const avatars: AvatarStorage = imagekit
    ? imagekitAvatarStorage(imagekit)
    : localAvatarStorage(localAvatarDir(config), `${config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? ''}${AVATAR_URL_PATH}`);
  return {
    mailer,
    devMailbox,
    avatars,
    hasher: bcryptPasswordHasher(config.BCRYPT_COST),
    tokens: jwtTokenIssuer({
      secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresInSeconds: config.JWT_EXPIRES_IN_SECONDS,
    }, clock),
    otp: cryptoOtpGenerator(config.JWT_SECRET),
  };
}
