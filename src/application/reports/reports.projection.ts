import type { Finding, Urgency } from '../../domain/reports/labFindings.js';
import type { ReportEvent, UploadReport } from '../../domain/reports/report.js';
import type { UserEvent } from '../../domain/identity/user.js';
import type { Projection, ReadView } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const REPORTS = 'reports';

export interface ReportDoc extends Omit<UploadReport, 'now'> {
  id: string;
  uploadedAt: string;
  status: 'analyzing' | 'analyzed' | 'failed';
  failureReason: string | null;
  analysis: { summary: string; findings: Finding[]; urgency: Urgency } | null;
  [field: string]: unknown;
}

/** One document per report: its metadata, where its file is, and the analysis outcome. */
export const reportsProjection: Projection = {
  name: 'reports',
  collections: [{ name: REPORTS, indexes: [{ fields: ['patientId', 'uploadedAt'] }, { fields: ['storageKey'] }] }],
  handles: ['ReportUploaded', 'ReportAnalysisRequested', 'ReportAnalyzed', 'ReportAnalysisFailed', 'PersonalDataErased'],
  apply: async (recorded, read): Promise<Write[]> => {
    if (recorded.type === 'PersonalDataErased') return forgetPatient(read, (recorded.data as Extract<UserEvent, { type: 'PersonalDataErased' }>['data']).userId);
    const event = { type: recorded.type, data: recorded.data } as ReportEvent;
    const set = (fields: Partial<ReportDoc>): Write[] => [{ collection: REPORTS, id: event.data.reportId, set: fields }];
    switch (event.type) {
      case 'ReportUploaded':
        return set({ ...event.data, status: 'analyzing', failureReason: null, analysis: null });
      case 'ReportAnalysisRequested':
        return set({ status: 'analyzing', failureReason: null });
      case 'ReportAnalyzed':
        return set({ status: 'analyzed', analysis: { summary: event.data.summary, findings: event.data.findings, urgency: event.data.urgency } });
      case 'ReportAnalysisFailed':
        return set({ status: 'failed', failureReason: event.data.reason });
      case 'ReportQuestionAnswered':
        return [];
    }
  },
};

/** The patient's reports keep their status and files' metadata; the title and analysis read as forgotten, as the events now do. */
async function forgetPatient(read: ReadView, patientId: string): Promise<Write[]> {
  const reports = await read.find<ReportDoc>(REPORTS, { patientId });
  return reports.map((report) => ({
    collection: REPORTS, id: report.id,
    set: { title: 'Forgotten report', analysis: report.analysis ? { ...report.analysis, summary: '', findings: [] } : null },
  }));
}
