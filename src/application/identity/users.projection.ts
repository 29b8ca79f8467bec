import type { UserEvent } from '../../domain/identity/user.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const USERS = 'users';

/**
 * The `users` read model other contexts read (doctor listings, names, roles) and `authenticate`
 * checks token versions against. Password hashes and codes stay in the event stream.
 */
export const usersProjection: Projection = {
  name: 'users',
  collections: [{ name: USERS, indexes: [{ fields: ['email'], unique: true }, { fields: ['role'] }, { fields: ['specialization'] }] }],
  handles: ['UserRegistered', 'EmailVerified', 'PasswordChanged', 'AvatarChanged', 'DoctorProfileUpdated'],
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
      default:
        return [];
    }
  },
};
