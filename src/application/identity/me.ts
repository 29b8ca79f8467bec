import { UserNotFound } from '../../domain/identity/user.js';
import type { IdentityDeps } from './identityDeps.js';
import { USERS } from './users.projection.js';
import { userViewFromDocument, type UserView } from './userView.js';

export const me = (deps: Pick<IdentityDeps, 'reads'>) => async (userId: string): Promise<UserView> => {
  const doc = await deps.reads.get(USERS, userId);
  if (!doc) throw new UserNotFound();
  return userViewFromDocument(doc);
};
