import { describe, expect, it } from '@jest/globals';
import {
  ReportAnalyzing, ReportNotAnalyzed, answerQuestion, evolve, initialReport, recordAnalysis, recordAnalysisFailure, uploadReport,
  type Report, type ReportAnalysis, type ReportEvent,
} from '../../../src/domain/reports/report.js';
import { Conflict, NotFound } from '../../../src/domain/shared/errors.js';

const reportId = 'rep-1';
const now = '2030-01-07T03:30:00.000Z';
const later = '2030-01-07T03:31:00.000Z';
const upload = {
  reportId, patientId: 'pat-1', title: 'CBC', mimeType: 'application/pdf' as const, sizeBytes: 1234,
  sha256: 'ab'.repeat(32), storageKey: 'rep-1.pdf', now,
};
const analysis: ReportAnalysis = { summary: '1 value read', findings: [{ name: 'Haemoglobin', value: 9, unit: 'g/dL', flag: 'low' }], urgency: 'medium' };

const uploaded: ReportEvent = { type: 'ReportUploaded', data: { reportId, patientId: 'pat-1', title: 'CBC', mimeType: 'application/pdf', sizeBytes: 1234, sha256: 'ab'.repeat(32), storageKey: 'rep-1.pdf', uploadedAt: now } };
const requested: ReportEvent = { type: 'ReportAnalysisRequested', data: { reportId, requestedAt: now } };
const analyzed: ReportEvent = { type: 'ReportAnalyzed', data: { reportId, patientId: 'pat-1', ...analysis, analyzedAt: later } };
const failed: ReportEvent = { type: 'ReportAnalysisFailed', data: { reportId, reason: 'service down', attempts: 3, failedAt: later } };
const answered: ReportEvent = { type: 'ReportQuestionAnswered', data: { reportId, patientId: 'pat-1', question: 'Is it bad?', reply: 'Low Hb.', urgency: 'medium', answeredAt: later } };

const given = (events: ReportEvent[]): Report => events.reduce(evolve, initialReport);
type ErrorClass = new (...args: never[]) => Error;

describe('uploading a report', () => {
  it('records the upload and asks for its analysis', () => {
    expect(uploadReport(initialReport, upload)).toEqual([uploaded, requested]);
    expect(given([uploaded, requested]).status).toBe('analyzing');
  });

  it('refuses to overwrite an existing report', () => {
    expect(() => uploadReport(given([uploaded, requested]), upload)).toThrow(Conflict);
  });
});

describe('recording the analysis outcome', () => {
  it.each<[string, ReportEvent[], ReportEvent[]]>([
    ['an analysing report takes its analysis', [uploaded, requested], [analyzed]],
    ['an analysed report ignores a repeated outcome', [uploaded, requested, analyzed], []],
    ['a failed report keeps its failure', [uploaded, requested, failed], []],
  ])('%s', (_, history, then) => {
    expect(recordAnalysis(given(history), { reportId, analysis, now: later })).toEqual(then);
  });

  it.each<[string, ReportEvent[], ReportEvent[]]>([
    ['an analysing report records the failure', [uploaded, requested], [failed]],
    ['an analysed report is not turned into a failure', [uploaded, requested, analyzed], []],
    ['a second failure is a no-op', [uploaded, requested, failed], []],
  ])('%s', (_, history, then) => {
    expect(recordAnalysisFailure(given(history), { reportId, reason: 'service down', attempts: 3, now: later })).toEqual(then);
  });

  it('an unknown report has no outcome to record', () => {
    expect(() => recordAnalysis(initialReport, { reportId, analysis, now })).toThrow(NotFound);
    expect(() => recordAnalysisFailure(initialReport, { reportId, reason: 'x', attempts: 1, now })).toThrow(NotFound);
  });

  it('the state carries the analysis, or the reason it failed', () => {
    expect(given([uploaded, requested, analyzed])).toMatchObject({ status: 'analyzed', analysis });
    expect(given([uploaded, requested, failed])).toMatchObject({ status: 'failed', reason: 'service down' });
  });
});

describe('asking about a report', () => {
  const question = { reportId, question: 'Is it bad?', reply: 'Low Hb.', urgency: 'medium' as const, now: later };

  it.each<[string, ReportEvent[]]>([
    ['an analysed report', [uploaded, requested, analyzed]],
    ['a report already asked about', [uploaded, requested, analyzed, answered]],
  ])('%s answers questions', (_, history) => {
    expect(answerQuestion(given(history), question)).toEqual([answered]);
  });

  it.each<[string, ReportEvent[], ErrorClass]>([
    ['a report still being analysed', [uploaded, requested], ReportAnalyzing],
    ['a report whose analysis failed', [uploaded, requested, failed], ReportNotAnalyzed],
    ['a report that does not exist', [], NotFound],
  ])('%s refuses questions', (_, history, error) => {
    expect(() => answerQuestion(given(history), question)).toThrow(error);
  });

  it('a refusal while analysing is a conflict (409)', () => {
    const refusal = (() => {
      try { answerQuestion(given([uploaded, requested]), question); } catch (error) { return error; }
      return null;
    })();
    expect(refusal).toMatchObject({ kind: 'conflict', code: 'report_analyzing' });
  });
});
