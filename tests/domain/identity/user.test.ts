import { describe, expect, it } from '@jest/globals';
import {
  CodeLocked, CodeRejected, CodeRequestedTooSoon, AlreadyRegistered, NotADoctor, UserNotFound,
  changeAvatar, changePassword, issueCode, register, resetPassword, updateDoctorProfile, userDecider, verifyEmail,
  type DoctorProfile, type User, type UserEvent,
} from '../../../src/domain/identity/user.js';
import { fold } from '../../../src/domain/shared/event.js';

const T0 = '2030-01-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const MIN = 60_000;

const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', name: 'Asha', email: 'asha@example.com', role: 'patient', passwordHash: 'h0', avatarUrl: null },
};
const doctorProfile: DoctorProfile = { specialization: 'Cardiology', feePaise: 50000, experienceYears: 8, bio: 'Heart', timezone: 'Asia/Kolkata' };
const doctorRegistered: UserEvent = { type: 'UserRegistered', data: { ...registered.data, role: 'doctor', doctor: doctorProfile } };
const issued = (purpose: 'verify_email' | 'reset_password', codeHash: string, ms = 0): UserEvent => ({
  type: 'VerificationCodeIssued', data: { userId: 'u1', purpose, codeHash, issuedAt: at(ms), expiresAt: at(ms + 10 * MIN) },
});
const failed = (failures: number, purpose: 'verify_email' | 'reset_password' = 'verify_email'): UserEvent => ({
  type: 'VerificationCodeFailed', data: { userId: 'u1', purpose, failures },
});
const verified: UserEvent = { type: 'EmailVerified', data: { userId: 'u1' } };
const passwordChanged = (passwordHash: string, tokenVersion: number): UserEvent => ({ type: 'PasswordChanged', data: { userId: 'u1', passwordHash, tokenVersion } });
const fiveFailures = [1, 2, 3, 4, 5].map((n) => failed(n));

const given = (events: UserEvent[]): User => fold(userDecider, events);

describe('registering', () => {
  const cmd = { ...registered.data, verification: { codeHash: 'c1', now: T0 } } as const;
  it.each<[string, Parameters<typeof register>[1], UserEvent[]]>([
    ['a self sign-up gets a 10-minute e-mail code', cmd, [registered, issued('verify_email', 'c1')]],
    ['an operator-made account is verified at once', { ...registered.data, verification: 'preverified' }, [registered, verified]],
    ['a doctor keeps the profile', { ...doctorRegistered.data, verification: 'preverified' }, [doctorRegistered, verified]],
  ])('%s', (_, when, then) => expect(register(given([]), when)).toEqual(then));

  it('refuses to register the same account twice', () => {
    expect(() => register(given([registered]), cmd)).toThrow(AlreadyRegistered);
  });
});

describe('verifying the e-mail address', () => {
  it.each<[string, UserEvent[], { codeHash: string; now: string }, UserEvent[]]>([
    ['the right code verifies', [registered, issued('verify_email', 'c1')], { codeHash: 'c1', now: at(MIN) }, [verified]],
    ['a wrong code is counted', [registered, issued('verify_email', 'c1')], { codeHash: 'x', now: at(MIN) }, [failed(1)]],
    ['the fifth wrong code is counted (and locks)', [registered, issued('verify_email', 'c1'), ...fiveFailures.slice(0, 4)], { codeHash: 'x', now: at(MIN) }, [failed(5)]],
    ['the right code after four wrong ones still verifies', [registered, issued('verify_email', 'c1'), ...fiveFailures.slice(0, 4)], { codeHash: 'c1', now: at(MIN) }, [verified]],
    ['a new code resets the count', [registered, issued('verify_email', 'c1'), ...fiveFailures, issued('verify_email', 'c2', 2 * MIN)], { codeHash: 'c2', now: at(3 * MIN) }, [verified]],
  ])('%s', (_, history, when, then) => expect(verifyEmail(given(history), when)).toEqual(then));

  it.each<[string, UserEvent[], { codeHash: string; now: string }, new (...args: never[]) => Error]>([
    ['after five wrong codes even the right one is locked out', [registered, issued('verify_email', 'c1'), ...fiveFailures], { codeHash: 'c1', now: at(MIN) }, CodeLocked],
    ['an expired code', [registered, issued('verify_email', 'c1')], { codeHash: 'c1', now: at(10 * MIN) }, CodeRejected],
    ['a used code', [registered, issued('verify_email', 'c1'), verified], { codeHash: 'c1', now: at(MIN) }, CodeRejected],
    ['a password-reset code', [registered, issued('reset_password', 'c1')], { codeHash: 'c1', now: at(MIN) }, CodeRejected],
    ['an unknown account', [], { codeHash: 'c1', now: at(MIN) }, UserNotFound],
  ])('refuses %s', (_, history, when, error) => expect(() => verifyEmail(given(history), when)).toThrow(error));
});

describe('issuing a new code', () => {
  it.each<[string, UserEvent[], Parameters<typeof issueCode>[1], UserEvent[]]>([
    ['a resend after a minute', [registered, issued('verify_email', 'c1')], { purpose: 'verify_email', codeHash: 'c2', now: at(MIN) }, [issued('verify_email', 'c2', MIN)]],
    ['a reset code for a verified account', [registered, issued('verify_email', 'c1'), verified], { purpose: 'reset_password', codeHash: 'c2', now: at(5 * MIN) }, [issued('reset_password', 'c2', 5 * MIN)]],
    ['a reset code for an account with no code yet', [registered, verified], { purpose: 'reset_password', codeHash: 'c2', now: T0 }, [issued('reset_password', 'c2')]],
  ])('%s', (_, history, when, then) => expect(issueCode(given(history), when)).toEqual(then));

  it.each<[string, UserEvent[], Parameters<typeof issueCode>[1], new (...args: never[]) => Error]>([
    ['within a minute of the last one', [registered, issued('verify_email', 'c1')], { purpose: 'verify_email', codeHash: 'c2', now: at(59_999) }, CodeRequestedTooSoon],
    ['within a minute even when the last one was used', [registered, issued('reset_password', 'c1'), passwordChanged('h1', 1)], { purpose: 'reset_password', codeHash: 'c2', now: at(30_000) }, CodeRequestedTooSoon],
    ['for the address of a verified account', [registered, issued('verify_email', 'c1'), verified], { purpose: 'verify_email', codeHash: 'c2', now: at(5 * MIN) }, Error],
    ['for an unknown account', [], { purpose: 'verify_email', codeHash: 'c2', now: T0 }, UserNotFound],
  ])('refuses a code %s', (_, history, when, error) => expect(() => issueCode(given(history), when)).toThrow(error));
});

describe('passwords', () => {
  const resetHistory = [registered, issued('verify_email', 'c1'), verified, issued('reset_password', 'r1', MIN)];
  it.each<[string, UserEvent[], Parameters<typeof resetPassword>[1], UserEvent[]]>([
    ['a reset with the right code bumps the token version', resetHistory, { codeHash: 'r1', passwordHash: 'h1', now: at(2 * MIN) }, [passwordChanged('h1', 1)]],
    ['a reset also proves an unverified address', [registered, issued('reset_password', 'r1')], { codeHash: 'r1', passwordHash: 'h1', now: at(MIN) }, [passwordChanged('h1', 1), verified]],
    ['a wrong reset code is counted', resetHistory, { codeHash: 'x', passwordHash: 'h1', now: at(2 * MIN) }, [failed(1, 'reset_password')]],
  ])('%s', (_, history, when, then) => expect(resetPassword(given(history), when)).toEqual(then));

  it('refuses a reset code twice', () => {
    expect(() => resetPassword(given([...resetHistory, passwordChanged('h1', 1)]), { codeHash: 'r1', passwordHash: 'h2', now: at(3 * MIN) })).toThrow(CodeRejected);
  });

  it('refuses an e-mail verification code for a reset', () => {
    expect(() => resetPassword(given([registered, issued('verify_email', 'c1')]), { codeHash: 'c1', passwordHash: 'h1', now: at(MIN) })).toThrow(CodeRejected);
  });

  it('each change moves the token version on', () => {
    expect(changePassword(given([registered, passwordChanged('h1', 1)]), { passwordHash: 'h2' })).toEqual([passwordChanged('h2', 2)]);
  });
});

describe('profile', () => {
  it.each<[string, UserEvent[], string, UserEvent[]]>([
    ['a new avatar is recorded', [registered], '/files/a.png', [{ type: 'AvatarChanged', data: { userId: 'u1', avatarUrl: '/files/a.png' } }]],
    ['the same avatar again changes nothing', [registered, { type: 'AvatarChanged', data: { userId: 'u1', avatarUrl: '/files/a.png' } }], '/files/a.png', []],
  ])('%s', (_, history, avatarUrl, then) => expect(changeAvatar(given(history), { avatarUrl })).toEqual(then));

  it.each<[string, UserEvent[], DoctorProfile, UserEvent[]]>([
    ['a doctor changes the fee', [doctorRegistered], { ...doctorProfile, feePaise: 70000 }, [{ type: 'DoctorProfileUpdated', data: { userId: 'u1', ...doctorProfile, feePaise: 70000 } }]],
    ['the same profile again changes nothing', [doctorRegistered], doctorProfile, []],
  ])('%s', (_, history, when, then) => expect(updateDoctorProfile(given(history), when)).toEqual(then));

  it('a patient has no doctor profile', () => {
    expect(() => updateDoctorProfile(given([registered]), doctorProfile)).toThrow(NotADoctor);
  });
});
