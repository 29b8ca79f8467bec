import { describe, expect, it } from '@jest/globals';
import { doctorAddress } from '../../../src/application/appointments/bookingMail.reactor.js';

describe('how e-mails address a doctor', () => {
  it.each([
    ['Rao', 'Dr. Rao'],
    ['Ananya Iyer', 'Dr. Ananya Iyer'],
    ['Dr Ananya Iyer', 'Dr Ananya Iyer'],
    ['Dr. Sara Khan', 'Dr. Sara Khan'],
    ['dr rahul menon', 'dr rahul menon'],
    ['Drishti Rao', 'Dr. Drishti Rao'],
  ])('%s → %s', (name, addressed) => expect(doctorAddress(name)).toBe(addressed));
});
