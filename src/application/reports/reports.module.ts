import type { ContextModule } from '../module.js';
import { analysisRequestReactor } from './analysisRequest.reactor.js';
import { ANALYSIS_ATTEMPTS, ANALYZE_REPORT_JOB, analyzeReport } from './analyzeReport.js';
import { askAboutReport, chatbot } from './answerQuestions.js';
import { reportQueries } from './reportQueries.js';
import { reportsProjection } from './reports.projection.js';
import type { ReportsDeps } from './reportsDeps.js';
import { uploadReport } from './uploadReport.js';

/** Medical reports: private upload, analysis as a retried job, questions about a report, the symptom chatbot. */
export function createReportsModule(deps: ReportsDeps) {
  return {
    uploadReport: uploadReport(deps),
    askAboutReport: askAboutReport(deps),
    chatbot: chatbot(deps),
    ...reportQueries(deps),
    projections: [reportsProjection],
    reactors: [analysisRequestReactor(deps.scheduler)],
    jobs: [{
      name: ANALYZE_REPORT_JOB,
      handler: analyzeReport(deps),
      options: { attempts: ANALYSIS_ATTEMPTS, backoffMs: deps.analysisBackoffMs },
    }],
  } satisfies ContextModule & Record<string, unknown>;
}

export type ReportsModule = ReturnType<typeof createReportsModule>;
