import { describe, expect, it } from '@jest/globals';
import {
  UserNotFound, changeAvatar, erasePersonalData, issueCode, updateDoctorProfile, userDecider, type User, type UserEvent,
} from '../../../src/domain/identity/user.js';
import {
  EmailTaken, claimEmail, emailClaimDecider, releaseEmailClaim, type EmailClaimEvent,
} from '../../../src/domain/identity/emailClaim.js';
import { fold } from '../../../src/domain/shared/event.js';

const now = '2030-01-07T03:30:00.000Z';
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', name: 'Asha', email: 'asha@example.com', role: 'doctor', passwordHash: 'h0', avatarUrl: null,
    doctor: { specialization: 'Cardiology', feePaise: 50000, experienceYears: 8, bio: 'Heart', timezone: 'Asia/Kolkata' } },
};
const verified: UserEvent = { type: 'EmailVerified', data: { userId: 'u1' } };
const erased = (at = now): UserEvent => ({ type: 'PersonalDataErased', data: { userId: 'u1', erasedAt: at } });
const given = (events: UserEvent[]): User => fold(userDecider, events);

describe('erasing a person\'s data', () => {
  it.each<[string, UserEvent[], UserEvent[]]>([
    ['a registered account is erased', [registered, verified], [erased()]],
    ['an account not yet verified is erased too', [registered], [erased()]],
    ['an erased account records nothing more (idempotent)', [registered, verified, erased('2030-01-01T00:00:00.000Z')], []],
  ])('%s', (_, history, then) => expect(erasePersonalData(given(history), { now })).toEqual(then));

  it('there is nothing to erase for an account that does not exist', () => {
    expect(() => erasePersonalData(given([]), { now })).toThrow(UserNotFound);
  });

  it.each<[string, (u: User) => UserEvent[]]>([
    ['a new code', (u) => issueCode(u, { purpose: 'reset_password', codeHash: 'c', now })],
    ['a new avatar', (u) => changeAvatar(u, { avatarUrl: '/avatars/new.png' })],
    ['a new doctor profile', (u) => updateDoctorProfile(u, { specialization: 'X', feePaise: 1, experienceYears: 1, bio: 'b', timezone: 'UTC' })],
  ])('an erased account is closed: %s is refused as for no account', (_, command) => {
    expect(() => command(given([registered, verified, erased()]))).toThrow(UserNotFound);
  });
});

describe('releasing an e-mail claim', () => {
  const claimed: EmailClaimEvent = { type: 'EmailClaimed', data: { email: 'asha@example.com', userId: 'u1' } };
  const released: EmailClaimEvent = { type: 'EmailClaimReleased', data: { userId: 'u1' } };
  const claim = (events: EmailClaimEvent[]) => fold(emailClaimDecider, events);

  it.each<[string, EmailClaimEvent[], string, EmailClaimEvent[]]>([
    ['the holder\'s erasure frees the address', [claimed], 'u1', [released]],
    ['another account cannot release it', [claimed], 'u2', []],
    ['a free address has nothing to release', [], 'u1', []],
    ['a released address is not released twice', [claimed, released], 'u1', []],
  ])('%s', (_, history, userId, then) => expect(releaseEmailClaim(claim(history), { userId })).toEqual(then));

  it('a released address can be claimed by a new account, and is then taken again', () => {
    const reclaimed: EmailClaimEvent = { type: 'EmailClaimed', data: { email: 'asha@example.com', userId: 'u2' } };
    expect(claimEmail(claim([claimed, released]), { email: 'asha@example.com', userId: 'u2' })).toEqual([reclaimed]);
    expect(() => claimEmail(claim([claimed, released, reclaimed]), { email: 'asha@example.com', userId: 'u3' })).toThrow(EmailTaken);
  });
});
