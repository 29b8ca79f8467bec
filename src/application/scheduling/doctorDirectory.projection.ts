import type { UserEvent } from '../../domain/identity/user.js';
import { FORGOTTEN_NAME } from '../../domain/shared/personalData.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const DOCTORS = 'doctors';

export interface DoctorDoc {
  id: string;
  doctorId: string;
  name: string;
  avatarUrl: string | null;
  specialization: string;
  /** Lower-cased specialization, for case-insensitive filtering. */
  specializationKey: string;
  feePaise: number;
  experienceYears: number;
  bio: string;
  timezone: string;
  /** Only doctors who verified their e-mail are listed. */
  listed: boolean;
  [field: string]: unknown;
}

/** The public doctors directory, built from identity's events for users with the doctor role. */
export const doctorDirectoryProjection: Projection = {
  name: 'doctor-directory',
  collections: [{ name: DOCTORS, indexes: [{ fields: ['specializationKey'] }, { fields: ['listed'] }] }],
  handles: ['UserRegistered', 'EmailVerified', 'DoctorProfileUpdated', 'AvatarChanged', 'PersonalDataErased'],
  apply: async (recorded, read): Promise<Write[]> => {
    const event = { type: recorded.type, data: recorded.data } as UserEvent;
    if (event.type === 'UserRegistered') {
      const { userId, name, avatarUrl, role, doctor } = event.data;
      if (role !== 'doctor' || !doctor) return [];
      return [{
        collection: DOCTORS, id: userId,
        set: { doctorId: userId, name, avatarUrl, ...doctor, specializationKey: doctor.specialization.toLowerCase(), listed: false },
      }];
    }
    // The other events concern every user; only doctors already in the directory are touched.
    const userId = (event.data as { userId: string }).userId;
    if (!(await read.get(DOCTORS, userId))) return [];
    switch (event.type) {
      case 'EmailVerified':
        return [{ collection: DOCTORS, id: userId, set: { listed: true } }];
      case 'AvatarChanged':
        return [{ collection: DOCTORS, id: userId, set: { avatarUrl: event.data.avatarUrl } }];
      case 'DoctorProfileUpdated': {
        const { userId: _id, ...profile } = event.data;
        return [{ collection: DOCTORS, id: userId, set: { ...profile, specializationKey: profile.specialization.toLowerCase() } }];
      }
      case 'PersonalDataErased':
        // A forgotten doctor leaves the directory; the document stays for appointments that name them by id.
        return [{ collection: DOCTORS, id: userId, set: { name: FORGOTTEN_NAME, bio: '', avatarUrl: null, listed: false } }];
      default:
        return [];
    }
  },
};
