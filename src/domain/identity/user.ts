import type { Decider } from '../shared/event.js';
import { Conflict, DomainError, Invalid } from '../shared/errors.js';

export type UserRole = 'patient' | 'doctor' | 'admin' | 'auditor';
export type CodePurpose = 'verify_email' | 'reset_password';

export interface DoctorProfile {
  specialization: string;
  feePaise: number;
  experienceYears: number;
  bio: string;
  timezone: string;
}

/** Wrong codes a pending code survives; the next wrong one locks it until a new code is issued. */
export const MAX_CODE_FAILURES = 5;
/** A new code is issued at most this often per account (resend, forgot password). */
export const CODE_RESEND_INTERVAL_MS = 60_000;
export const CODE_LIFETIME_MS = 10 * 60_000;

export type UserEvent =
  | { type: 'UserRegistered'; data: { userId: string; name: string; email: string; role: UserRole; passwordHash: string; avatarUrl: string | null; doctor?: DoctorProfile } }
  | { type: 'VerificationCodeIssued'; data: { userId: string; purpose: CodePurpose; codeHash: string; issuedAt: string; expiresAt: string } }
  | { type: 'VerificationCodeFailed'; data: { userId: string; purpose: CodePurpose; failures: number } }
  | { type: 'EmailVerified'; data: { userId: string } }
  | { type: 'PasswordChanged'; data: { userId: string; passwordHash: string; tokenVersion: number } }
  | { type: 'AvatarChanged'; data: { userId: string; avatarUrl: string } }
  | { type: 'DoctorProfileUpdated'; data: { userId: string } & DoctorProfile }
  /** The person's key was destroyed (crypto-shredding); the event itself holds no personal data. */
  | { type: 'PersonalDataErased'; data: { userId: string; erasedAt: string } };

export interface PendingCode {
  purpose: CodePurpose;
  codeHash: string;
  issuedAt: string;
  expiresAt: string;
  failures: number;
  /** Spent codes are kept so the resend interval still counts from their issue time. */
  spent: boolean;
}

export interface RegisteredUser {
  status: 'registered';
  userId: string;
  name: string;
  email: string;
  role: UserRole;
  passwordHash: string;
  avatarUrl: string | null;
  doctor: DoctorProfile | null;
  emailVerified: boolean;
  tokenVersion: number;
  code: PendingCode | null;
  /** Set once the person's data was erased: the account is closed for good. */
  erasedAt: string | null;
}

export type User = { status: 'none' } | RegisteredUser;

export const initialUser: User = { status: 'none' };

export class UserNotFound extends DomainError {
  constructor() { super('not_found', 'user_not_found', 'No such account.'); }
}

export class CodeRejected extends Invalid {
  constructor(reason: 'wrong' | 'expired' | 'none') {
    super('invalid_otp', reason === 'expired'
      ? 'The code has expired; ask for a new one.'
      : 'The code is wrong or no longer valid.');
  }
}

export class CodeLocked extends DomainError {
  constructor() { super('too_many', 'otp_locked', 'Too many wrong codes; ask for a new code.'); }
}

export class CodeRequestedTooSoon extends DomainError {
  constructor() { super('too_many', 'otp_resend_too_soon', 'A code was sent less than a minute ago.'); }
}

export class AlreadyRegistered extends Conflict {
  constructor() { super('already_registered', 'This account already exists.'); }
}

export class NotADoctor extends DomainError {
  constructor() { super('forbidden', 'not_a_doctor', 'Only doctors have a doctor profile.'); }
}

export function evolve(user: User, event: UserEvent): User {
  if (event.type === 'UserRegistered') {
    const d = event.data;
    return {
      status: 'registered', userId: d.userId, name: d.name, email: d.email, role: d.role, passwordHash: d.passwordHash,
      avatarUrl: d.avatarUrl, doctor: d.doctor ?? null, emailVerified: false, tokenVersion: 0, code: null, erasedAt: null,
    };
  }
  if (user.status === 'none') return user;
  switch (event.type) {
    case 'VerificationCodeIssued': {
      const { purpose, codeHash, issuedAt, expiresAt } = event.data;
      return { ...user, code: { purpose, codeHash, issuedAt, expiresAt, failures: 0, spent: false } };
    }
    case 'VerificationCodeFailed':
      return user.code ? { ...user, code: { ...user.code, failures: event.data.failures } } : user;
    case 'EmailVerified':
      return { ...user, emailVerified: true, code: spend(user.code, 'verify_email') };
    case 'PasswordChanged':
      return { ...user, passwordHash: event.data.passwordHash, tokenVersion: event.data.tokenVersion, code: spend(user.code, 'reset_password') };
    case 'AvatarChanged':
      return { ...user, avatarUrl: event.data.avatarUrl };
    case 'DoctorProfileUpdated': {
      const { userId: _userId, ...profile } = event.data;
      return { ...user, doctor: profile };
    }
    case 'PersonalDataErased':
      return { ...user, erasedAt: event.data.erasedAt, code: null };
  }
}

function spend(code: PendingCode | null, purpose: CodePurpose): PendingCode | null {
  return code && code.purpose === purpose ? { ...code, spent: true } : code;
}

/**
 * Every code sent, every wrong code and every profile edit adds to an account's stream, which every
 * sign-in reads: commands fold from a snapshot, sealed with the account holder's key (the state holds
 * their name, e-mail and password hash). Bump `schema` whenever `User` or `evolve` changes.
 */
export const userDecider: Decider<User, UserEvent> = {
  initialState: initialUser, evolve,
  snapshot: { every: 100, schema: 1, owner: (user) => (user.status === 'registered' ? user.userId : null) },
};

export interface Register {
  userId: string;
  name: string;
  email: string;
  role: UserRole;
  passwordHash: string;
  avatarUrl: string | null;
  doctor?: DoctorProfile;
  /** Self sign-up needs an e-mail code; accounts made by an operator are verified at once. */
  verification: { codeHash: string; now: string } | 'preverified';
}

export function register(user: User, cmd: Register): UserEvent[] {
  if (user.status !== 'none') throw new AlreadyRegistered();
  const { verification, doctor, ...rest } = cmd;
  const registered: UserEvent = { type: 'UserRegistered', data: { ...rest, ...(doctor ? { doctor } : {}) } };
  if (verification === 'preverified') return [registered, { type: 'EmailVerified', data: { userId: cmd.userId } }];
  return [registered, codeIssued(cmd.userId, 'verify_email', verification.codeHash, verification.now)];
}

export interface IssueCode {
  purpose: CodePurpose;
  codeHash: string;
  now: string;
}

/** A fresh code replaces any earlier one (and its failure count); at most one a minute. */
export function issueCode(user: User, cmd: IssueCode): UserEvent[] {
  const u = registered(user);
  if (cmd.purpose === 'verify_email' && u.emailVerified) throw new Conflict('already_verified', 'The e-mail address is already verified.');
  if (u.code && Date.parse(cmd.now) - Date.parse(u.code.issuedAt) < CODE_RESEND_INTERVAL_MS) throw new CodeRequestedTooSoon();
  return [codeIssued(u.userId, cmd.purpose, cmd.codeHash, cmd.now)];
}

function codeIssued(userId: string, purpose: CodePurpose, codeHash: string, now: string): UserEvent {
  const expiresAt = new Date(Date.parse(now) + CODE_LIFETIME_MS).toISOString();
  return { type: 'VerificationCodeIssued', data: { userId, purpose, codeHash, issuedAt: now, expiresAt } };
}

export interface PresentCode {
  /** The keyed hash of the code the user typed; the plain code never reaches the domain. */
  codeHash: string;
  now: string;
}

/**
 * Checks a presented code. A wrong code is not an exception here: it is a fact to record
 * (`VerificationCodeFailed`) so the count survives restarts; the application answers 400 after saving it.
 */
function checkCode(u: RegisteredUser, purpose: CodePurpose, cmd: PresentCode): UserEvent[] | 'accepted' {
  const code = u.code;
  if (!code || code.purpose !== purpose || code.spent) throw new CodeRejected('none');
  if (code.failures >= MAX_CODE_FAILURES) throw new CodeLocked();
  if (cmd.now >= code.expiresAt) throw new CodeRejected('expired');
  // Both sides are keyed hashes: an attacker learns nothing useful from comparison timing.
  if (code.codeHash !== cmd.codeHash) {
    return [{ type: 'VerificationCodeFailed', data: { userId: u.userId, purpose, failures: code.failures + 1 } }];
  }
  return 'accepted';
}

export function verifyEmail(user: User, cmd: PresentCode): UserEvent[] {
  const u = registered(user);
  if (u.emailVerified) throw new CodeRejected('none');
  const checked = checkCode(u, 'verify_email', cmd);
  return checked === 'accepted' ? [{ type: 'EmailVerified', data: { userId: u.userId } }] : checked;
}

export interface ResetPassword extends PresentCode {
  passwordHash: string;
}

/** The reset code came through the mailbox, so it also proves the address if that was still pending. */
export function resetPassword(user: User, cmd: ResetPassword): UserEvent[] {
  const u = registered(user);
  const checked = checkCode(u, 'reset_password', cmd);
  if (checked !== 'accepted') return checked;
  const verified: UserEvent[] = u.emailVerified ? [] : [{ type: 'EmailVerified', data: { userId: u.userId } }];
  return [...changePassword(u, { passwordHash: cmd.passwordHash }), ...verified];
}

/** A new password revokes every token issued before it (the token version moves on). */
export function changePassword(user: User, cmd: { passwordHash: string }): UserEvent[] {
  const u = registered(user);
  return [{ type: 'PasswordChanged', data: { userId: u.userId, passwordHash: cmd.passwordHash, tokenVersion: u.tokenVersion + 1 } }];
}

export function changeAvatar(user: User, cmd: { avatarUrl: string }): UserEvent[] {
  const u = registered(user);
  if (u.avatarUrl === cmd.avatarUrl) return [];
  return [{ type: 'AvatarChanged', data: { userId: u.userId, avatarUrl: cmd.avatarUrl } }];
}

export function updateDoctorProfile(user: User, cmd: DoctorProfile): UserEvent[] {
  const u = registered(user);
  if (u.role !== 'doctor') throw new NotADoctor();
  const same = u.doctor && (Object.keys(cmd) as Array<keyof DoctorProfile>).every((k) => u.doctor?.[k] === cmd[k]);
  if (same) return [];
  return [{ type: 'DoctorProfileUpdated', data: { userId: u.userId, ...cmd } }];
}

/** Erasing is idempotent: a second request finds the data already gone and records nothing. */
export function erasePersonalData(user: User, cmd: { now: string }): UserEvent[] {
  if (user.status === 'none') throw new UserNotFound();
  if (user.erasedAt !== null) return [];
  return [{ type: 'PersonalDataErased', data: { userId: user.userId, erasedAt: cmd.now } }];
}

/** An erased account is closed: nothing more can be done with it, as if it had never existed. */
function registered(user: User): RegisteredUser {
  if (user.status === 'none' || user.erasedAt !== null) throw new UserNotFound();
  return user;
}

