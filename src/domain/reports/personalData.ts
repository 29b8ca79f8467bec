import type { PersonalDataRule } from '../shared/personalData.js';

const ofPatient = (data: Record<string, unknown>) => (typeof data.patientId === 'string' ? data.patientId : null);

/** A report's title, its analysis (health data about the patient) and the questions about it with their answers are the patient's. */
export const reportsPersonalData: PersonalDataRule[] = [
  { type: 'ReportUploaded', owner: ofPatient, fields: [{ path: 'title', forgotten: 'Forgotten report' }] },
  { type: 'ReportAnalyzed', owner: ofPatient, fields: [{ path: 'summary', forgotten: '' }, { path: 'findings', forgotten: [] }] },
  { type: 'ReportQuestionAnswered', owner: ofPatient, fields: [{ path: 'question', forgotten: '' }, { path: 'reply', forgotten: '' }] },
];
