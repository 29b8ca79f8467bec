import { fold, systemActor } from '../../domain/shared/event.js';
import { recordAnalysis, recordAnalysisFailure, reportDecider, reportStream, type ReportEvent } from '../../domain/reports/report.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { AnalysisError } from '../ports/reportAnalyzer.js';
import type { JobHandler } from '../ports/scheduler.js';
import type { ReportsDeps } from './reportsDeps.js';

export const ANALYZE_REPORT_JOB = 'analyze-report';
export const ANALYSIS_ATTEMPTS = 3;

export interface AnalyzeReportJob extends Record<string, unknown> {
  reportId: string;
  correlationId: string;
  causationId: string;
}

/**
 * The `analyze-report` job: read the file, analyse it, record the outcome. A failure that may pass
 * is thrown so the scheduler retries with backoff; on the last attempt (or a failure retrying cannot
 * fix) it is recorded as `ReportAnalysisFailed` with a reason a patient can read. Runs again after a
 * crash harmlessly: a report that is no longer analysing is left alone.
 */
export const analyzeReport = (deps: ReportsDeps): JobHandler => async (data, info) => {
  const job = data as AnalyzeReportJob;
  const stream = reportStream(job.reportId);
  const report = fold(reportDecider, (await deps.handler.events.readStream(stream)) as unknown as ReportEvent[]);
  if (report.status !== 'analyzing') return;
  const ctx: CommandContext = { actor: systemActor, correlationId: job.correlationId, causationId: job.causationId };
  const now = () => deps.handler.clock.now().toISOString();
  try {
    const bytes = await deps.storage.read(report.storageKey, report.mimeType);
    const analysis = await deps.analyzer.analyze({ bytes, mimeType: report.mimeType });
    await handle(deps.handler, stream, reportDecider, (r) => recordAnalysis(r, { reportId: job.reportId, analysis, now: now() }), ctx);
  } catch (error) {
    const known = error instanceof AnalysisError;
    if ((!known || error.retryable) && !info.lastAttempt) throw error;
    if (!known) deps.reportError(error, `analysis of report ${job.reportId} failed`);
    const cause = known ? error.message : 'An internal error stopped the analysis.';
    const reason = `${cause} Gave up after ${info.attempt} attempt${info.attempt === 1 ? '' : 's'}.`;
    await handle(deps.handler, stream, reportDecider,
      (r) => recordAnalysisFailure(r, { reportId: job.reportId, reason, attempts: info.attempt, now: now() }), ctx);
  }
};
