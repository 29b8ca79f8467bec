import { FORGOTTEN_NAME, type PersonalDataRule } from '../shared/personalData.js';

const ofUser = (data: Record<string, unknown>) => String(data.userId);

/** Identity's personal fields: names, e-mail addresses and doctors' free-text biographies. */
export const identityPersonalData: PersonalDataRule[] = [
  {
    type: 'UserRegistered', owner: ofUser,
    fields: [{ path: 'name', forgotten: FORGOTTEN_NAME }, { path: 'email', forgotten: null }, { path: 'doctor.bio', forgotten: '' }],
  },
  { type: 'DoctorProfileUpdated', owner: ofUser, fields: [{ path: 'bio', forgotten: '' }] },
  { type: 'EmailClaimed', owner: ofUser, fields: [{ path: 'email', forgotten: null }] },
];
