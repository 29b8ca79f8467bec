import type { UserEvent } from '../../domain/identity/user.js';
import { FORGOTTEN_NAME } from '../../domain/shared/personalData.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const USERS = 'users';

/**
 * The `users` read model other contexts read (doctor listings, names, roles) and `authenticate`
 * checks token versions against. Password hashes and codes stay in the event stream.
 */
export const usersProjection: Projection = {
  name: 'users',
  // Not unique: e-mail claims already keep addresses unique, and erased accounts all have a null
  // address, which a unique index in MongoDB would allow only once.
  collections: [{ name: USERS, indexes: [{ fields: ['email'] }, { fields: ['role'] }, { fields: ['specialization'] }] }],
  handles: ['UserRegistered', 'EmailVerified', 'PasswordChanged', 'AvatarChanged', 'DoctorProfileUpdated', 'PersonalDataErased'],
  apply: (recorded) => {
    const event = { type: recorded.type, data: recorded.data } as UserEvent;
    const set = (id: string, fields: Record<string, unknown>): Write[] => [{ collection: USERS, id, set: fields }];
    switch (event.type) {
      case 'UserRegistered': {
        const { userId, name, email, role, avatarUrl, doctor } = event.data;
        return set(userId, {
          name, email, role, avatarUrl, emailVerified: false, tokenVersion: 0,
          registeredAt: recorded.metadata.recordedAt, ...(doctor ?? {}),
        });
      }
      case 'EmailVerified':
        return set(event.data.userId, { emailVerified: true });
      case 'PasswordChanged':
        return set(event.data.userId, { tokenVersion: event.data.tokenVersion });
      case 'AvatarChanged':
        return set(event.data.userId, { avatarUrl: event.data.avatarUrl });
      case 'DoctorProfileUpdated': {
        const { userId, ...profile } = event.data;
        return set(userId, profile);
      }
      case 'PersonalDataErased':
        // The account stays (its id is referenced everywhere) but says nothing about the person, and `erased` closes it.
        return set(event.data.userId, { name: FORGOTTEN_NAME, email: null, avatarUrl: null, bio: '', erased: true });
      default:
        return [];
    }
  },
};
