import type { HandlerDeps } from '../eventSourcing/commandHandler.js';
import type { ReadView } from '../eventSourcing/projection.js';
import type { FileStorage } from '../ports/fileStorage.js';
import type { ReportAnalyzer } from '../ports/reportAnalyzer.js';
import type { Scheduler } from '../ports/scheduler.js';

export interface ReportsDeps {
  handler: HandlerDeps;
  reads: ReadView;
  scheduler: Pick<Scheduler, 'schedule'>;
  storage: FileStorage;
  analyzer: ReportAnalyzer;
  /** Base delay between analysis attempts (ANALYSIS_RETRY_BACKOFF_MS); doubles each retry. */
  analysisBackoffMs: number;
  /** Errors that must not reach the user (they get a generic reason) but must reach the log. */
  reportError: (error: unknown, message: string) => void;
}
