import { describe, expect, it } from '@jest/globals';
import { fold } from '../../../src/domain/shared/event.js';
import { EmailTaken, claimEmail, emailClaimDecider, normaliseEmail, type EmailClaimEvent } from '../../../src/domain/identity/emailClaim.js';

const claimed: EmailClaimEvent = { type: 'EmailClaimed', data: { email: 'asha@example.com', userId: 'u1' } };

describe('claiming an e-mail address', () => {
  it('a free address is claimed for the new account', () => {
    expect(claimEmail(fold(emailClaimDecider, []), { email: 'asha@example.com', userId: 'u1' })).toEqual([claimed]);
  });

  it('a claimed address is taken for everyone else', () => {
    expect(() => claimEmail(fold(emailClaimDecider, [claimed]), { email: 'asha@example.com', userId: 'u2' })).toThrow(EmailTaken);
  });

  it.each([
    ['  Asha@Example.COM ', 'asha@example.com'],
    ['asha@example.com', 'asha@example.com'],
  ])('%j is compared as %j', (raw, normal) => expect(normaliseEmail(raw)).toBe(normal));
});
