import express, { Router } from 'express';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { AVATAR_URL_PATH, localAvatarDir } from '../../../infrastructure/identity/identityAdapters.js';
import { authRoutes } from './auth.routes.js';
import { devMailboxRoutes } from './devMailbox.routes.js';
import { usersRoutes } from './users.routes.js';

/** Everything the identity context serves over HTTP. */
export function identityRouter(services: Services): Router {
  const router = Router();
  router.use('/api/auth', authRoutes(services));
  router.use('/api/users', usersRoutes(services));
  // The mailbox shows one-time codes: never served in production, whatever the mail settings.
  if (services.devMailbox && services.config.NODE_ENV !== 'production') router.use('/api/dev', devMailboxRoutes(services.devMailbox));
  // Local avatars: static, no listings, no dot files; a strict CSP so an image can never run as a page.
  router.use(AVATAR_URL_PATH, express.static(localAvatarDir(services.config), {
    index: false,
    dotfiles: 'ignore',
    redirect: false,
    maxAge: '1h',
    setHeaders: (res) => {
      res.set('Content-Security-Policy', "default-src 'none'; sandbox");
      res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    },
  }));
  return router;
}
