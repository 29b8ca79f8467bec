import { Conflict, DomainError, NotFound } from '../shared/errors.js';
import type { Decider } from '../shared/event.js';
import type { Finding, Urgency } from './labFindings.js';

export type ReportMimeType = 'application/pdf' | 'image/jpeg' | 'image/png';

export interface ReportAnalysis {
  summary: string;
  findings: Finding[];
  urgency: Urgency;
}

export type ReportEvent =
  | { type: 'ReportUploaded'; data: { reportId: string; patientId: string; title: string; mimeType: ReportMimeType; sizeBytes: number; sha256: string; storageKey: string; uploadedAt: string } }
  | { type: 'ReportAnalysisRequested'; data: { reportId: string; requestedAt: string } }
  /** `patientId` names whose key encrypts the analysis; events recorded before it was added lack it. */
  | { type: 'ReportAnalyzed'; data: { reportId: string; patientId?: string; analyzedAt: string } & ReportAnalysis }
  | { type: 'ReportAnalysisFailed'; data: { reportId: string; reason: string; attempts: number; failedAt: string } }
  | { type: 'ReportQuestionAnswered'; data: { reportId: string; patientId?: string; question: string; reply: string; urgency: Urgency; answeredAt: string } };

interface Uploaded {
  reportId: string;
  patientId: string;
  title: string;
  mimeType: ReportMimeType;
  storageKey: string;
}

export type Report =
  | { status: 'none' }
  | (Uploaded & { status: 'analyzing' })
  | (Uploaded & { status: 'analyzed'; analysis: ReportAnalysis })
  | (Uploaded & { status: 'failed'; reason: string });

export const initialReport: Report = { status: 'none' };

export function evolve(report: Report, event: ReportEvent): Report {
  switch (event.type) {
    case 'ReportUploaded': {
      const { reportId, patientId, title, mimeType, storageKey } = event.data;
      return { status: 'analyzing', reportId, patientId, title, mimeType, storageKey };
    }
    case 'ReportAnalysisRequested':
      return report.status === 'none' ? report : { ...base(report), status: 'analyzing' };
    case 'ReportAnalyzed': {
      if (report.status === 'none') return report;
      const { summary, findings, urgency } = event.data;
      return { ...base(report), status: 'analyzed', analysis: { summary, findings, urgency } };
    }
    case 'ReportAnalysisFailed':
      return report.status === 'none' ? report : { ...base(report), status: 'failed', reason: event.data.reason };
    case 'ReportQuestionAnswered':
      return report;
  }
}

function base(report: Exclude<Report, { status: 'none' }>): Uploaded {
  const { reportId, patientId, title, mimeType, storageKey } = report;
  return { reportId, patientId, title, mimeType, storageKey };
}

/**
 * Every question asked about a report is recorded on its stream: commands fold from a snapshot,
 * sealed with the patient's key (the state holds the title and the analysis). Bump `schema` whenever
 * `Report` or `evolve` changes.
 */
export const reportDecider: Decider<Report, ReportEvent> = {
  initialState: initialReport, evolve,
  snapshot: { every: 100, schema: 1, owner: (report) => (report.status === 'none' ? null : report.patientId) },
};

export class ReportAnalyzing extends DomainError {
  constructor(reportId: string) {
    super('conflict', 'report_analyzing', `Report ${reportId} is still being analysed; ask again in a moment.`);
  }
}

export class ReportNotAnalyzed extends DomainError {
  constructor(reportId: string) {
    super('conflict', 'report_not_analyzed', `Report ${reportId} could not be analysed, so there is nothing to discuss yet; upload it again.`);
  }
}

export interface UploadReport {
  reportId: string;
  patientId: string;
  title: string;
  mimeType: ReportMimeType;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  now: string;
}

/** A new report is recorded and its analysis requested in the same decision. */
export function uploadReport(report: Report, cmd: UploadReport): ReportEvent[] {
  if (report.status !== 'none') throw new Conflict('report_exists', `Report ${cmd.reportId} already exists.`);
  const { now, ...uploaded } = cmd;
  return [
    { type: 'ReportUploaded', data: { ...uploaded, uploadedAt: now } },
    { type: 'ReportAnalysisRequested', data: { reportId: cmd.reportId, requestedAt: now } },
  ];
}

/** Recording an outcome twice (a retried job) is a no-op; the first outcome stands. */
export function recordAnalysis(report: Report, cmd: { reportId: string; analysis: ReportAnalysis; now: string }): ReportEvent[] {
  if (report.status === 'none') throw new NotFound('Report', cmd.reportId);
  if (report.status !== 'analyzing') return [];
  return [{ type: 'ReportAnalyzed', data: { reportId: cmd.reportId, patientId: report.patientId, ...cmd.analysis, analyzedAt: cmd.now } }];
}

export function recordAnalysisFailure(report: Report, cmd: { reportId: string; reason: string; attempts: number; now: string }): ReportEvent[] {
  if (report.status === 'none') throw new NotFound('Report', cmd.reportId);
  if (report.status !== 'analyzing') return [];
  return [{ type: 'ReportAnalysisFailed', data: { reportId: cmd.reportId, reason: cmd.reason, attempts: cmd.attempts, failedAt: cmd.now } }];
}

/** Questions need the analysis as context, so they wait for it. Raises before any answer is computed. */
export function ensureAnswerable(report: Report, reportId: string): asserts report is Extract<Report, { status: 'analyzed' }> {
  if (report.status === 'none') throw new NotFound('Report', reportId);
  if (report.status === 'analyzing') throw new ReportAnalyzing(reportId);
  if (report.status === 'failed') throw new ReportNotAnalyzed(reportId);
}

export function answerQuestion(report: Report, cmd: { reportId: string; question: string; reply: string; urgency: Urgency; now: string }): ReportEvent[] {
  ensureAnswerable(report, cmd.reportId);
  return [{ type: 'ReportQuestionAnswered', data: { reportId: cmd.reportId, patientId: report.patientId, question: cmd.question, reply: cmd.reply, urgency: cmd.urgency, answeredAt: cmd.now } }];
}

export const reportStream = (reportId: string): string => `report-${reportId}`;
