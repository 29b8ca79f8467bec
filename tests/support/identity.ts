import { randomUUID } from 'node:crypto';
import type { DoctorProfile, UserRole } from '../../src/domain/identity/user.js';
import { systemActor } from '../../src/domain/shared/event.js';
import type { TestApp } from './testApp.js';

export interface GivenUser {
  userId: string;
  token: string;
  email: string;
  password: string;
}

export interface GivenUserOptions {
  role: UserRole;
  name?: string;
  email?: string;
  /** Doctors get a complete default profile; pass fields to override some of them. */
  doctor?: Partial<DoctorProfile>;
}

export const defaultDoctorProfile: DoctorProfile = {
  specialization: 'General Medicine', feePaise: 50_000, experienceYears: 5, bio: 'Test doctor', timezone: 'Asia/Kolkata',
};

/**
 * A verified account and a bearer token for it, made through the identity module directly (no HTTP,
 * no e-mail code). The token is accepted by `services.authenticate` as soon as this resolves.
 * Works with `startTestApp` and `startTestServer` alike (it needs only `services`).
 */
export async function givenUser(t: Pick<TestApp, 'services'>, options: GivenUserOptions): Promise<GivenUser> {
  const email = options.email ?? `${options.role}-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  const doctor = options.role === 'doctor' ? { ...defaultDoctorProfile, ...options.doctor } : undefined;
  const ctx = { actor: systemActor, correlationId: `test-${randomUUID()}` };
  const { userId } = await t.services.identity.createVerifiedUser(
    { name: options.name ?? `Test ${options.role}`, email, password, role: options.role, doctor }, ctx,
  );
  const { token } = await t.services.identity.login({ email, password }, ctx);
  return { userId, token, email: email.trim().toLowerCase(), password };
}
