import { randomBytes } from 'node:crypto';
import type { DoctorProfile, UserRole } from '../../domain/identity/user.js';
import { systemActor } from '../../domain/shared/event.js';
import type { Services } from '../compositionRoot.js';

export interface SeededUser {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
}

export interface SeededPeople {
  admin: SeededUser;
  auditor: SeededUser;
  doctors: SeededUser[];
  patient: SeededUser;
}

const DOCTORS: Array<{ name: string; email: string; profile: DoctorProfile }> = [
  { name: 'Dr Ananya Iyer', email: 'ananya.iyer@demo.healthvision.dev', profile: { specialization: 'Cardiology', feePaise: 80_000, experienceYears: 14, bio: 'Interventional cardiologist; heart rhythm and blood pressure.', timezone: 'Asia/Kolkata' } },
  { name: 'Dr Rahul Menon', email: 'rahul.menon@demo.healthvision.dev', profile: { specialization: 'Dermatology', feePaise: 50_000, experienceYears: 8, bio: 'Skin, hair and allergy consultations.', timezone: 'Asia/Kolkata' } },
  { name: 'Dr Sara Khan', email: 'sara.khan@demo.healthvision.dev', profile: { specialization: 'General Medicine', feePaise: 30_000, experienceYears: 5, bio: 'Family physician for everyday illnesses and follow-ups.', timezone: 'Asia/Kolkata' } },
];

/**
 * The identity part of the demo seed: verified accounts for every role. Passwords are random per
 * store and only printed (development start-up), never written anywhere else.
 */
export async function seedIdentity(services: Services, lines: string[]): Promise<SeededPeople> {
  const ctx = { actor: systemActor, correlationId: 'demo-seed' };
  const make = async (name: string, email: string, role: UserRole, doctor?: DoctorProfile): Promise<SeededUser> => {
    const password = randomBytes(12).toString('base64url');
    const { userId } = await services.identity.createVerifiedUser({ name, email, password, role, doctor }, ctx);
    lines.push(`${role.padEnd(8)} ${email}  password: ${password}${doctor ? `  (${doctor.specialization})` : ''}`);
    return { userId, email, name, role };
  };
  const admin = await make('Demo Admin', 'admin@demo.healthvision.dev', 'admin');
  const auditor = await make('Demo Auditor', 'auditor@demo.healthvision.dev', 'auditor');
  const doctors: SeededUser[] = [];
  for (const d of DOCTORS) doctors.push(await make(d.name, d.email, 'doctor', d.profile));
  const patient = await make('Priya Sharma', 'patient@demo.healthvision.dev', 'patient');
  return { admin, auditor, doctors, patient };
}
