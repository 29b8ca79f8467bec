import type { RegisteredUser, UserRole } from '../../domain/identity/user.js';
import type { Document } from '../ports/readStore.js';

/** What an account looks like to its owner (`/api/auth/me`, sign-in answers): never hashes or versions. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  avatarUrl: string | null;
  emailVerified: boolean;
  specialization?: string;
  feePaise?: number;
  experienceYears?: number;
  bio?: string;
  timezone?: string;
}

export function userViewFromState(user: RegisteredUser): UserView {
  return {
    id: user.userId, name: user.name, email: user.email, role: user.role, avatarUrl: user.avatarUrl,
    emailVerified: user.emailVerified, ...(user.doctor ?? {}),
  };
}

export function userViewFromDocument(doc: Document): UserView {
  const view: UserView = {
    id: doc.id, name: String(doc.name), email: String(doc.email), role: doc.role as UserRole,
    avatarUrl: (doc.avatarUrl as string | null) ?? null, emailVerified: doc.emailVerified === true,
  };
  if (doc.role === 'doctor') {
    Object.assign(view, {
      specialization: doc.specialization, feePaise: doc.feePaise, experienceYears: doc.experienceYears, bio: doc.bio, timezone: doc.timezone,
    });
  }
  return view;
}
