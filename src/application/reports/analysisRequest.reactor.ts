import type { ReportEvent } from '../../domain/reports/report.js';
import type { Reactor } from '../eventSourcing/reactor.js';
import type { Scheduler } from '../ports/scheduler.js';
import { ANALYZE_REPORT_JOB, type AnalyzeReportJob } from './analyzeReport.js';

/**
 * Every requested analysis becomes a job, due at the time it was requested (so: at once). Driven by
 * the recorded event, so a crash after the upload cannot lose the analysis; keyed by report, so a
 * redelivered event schedules it once.
 */
export function analysisRequestReactor(scheduler: Pick<Scheduler, 'schedule'>): Reactor {
  return {
    name: 'report-analysis-request',
    handles: ['ReportAnalysisRequested'],
    async react(event) {
      const data = event.data as Extract<ReportEvent, { type: 'ReportAnalysisRequested' }>['data'];
      const job: AnalyzeReportJob = { reportId: data.reportId, correlationId: event.metadata.correlationId, causationId: event.metadata.eventId };
      await scheduler.schedule(ANALYZE_REPORT_JOB, new Date(data.requestedAt), job, data.reportId);
    },
  };
}
