import type { Urgency } from '../../domain/reports/labFindings.js';
import type { ReportAnalysis } from '../../domain/reports/report.js';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** What a chat about a report knows; null for the general symptom chatbot. */
export interface ChatContext {
  title: string;
  analysis: ReportAnalysis;
}

export interface ChatAnswer {
  reply: string;
  urgency: Urgency;
  suggestBooking: boolean;
}

/** Reads a medical report and answers questions, through an ML service or the embedded analyzer. */
export interface ReportAnalyzer {
  analyze(file: { bytes: Buffer; mimeType: string }): Promise<ReportAnalysis>;
  chat(context: ChatContext | null, message: string, history: readonly ChatTurn[]): Promise<ChatAnswer>;
}

/**
 * An analysis that did not succeed. `retryable` says whether trying again may help (a service that is
 * down may come back; a file that cannot be parsed will not change).
 */
export class AnalysisError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'AnalysisError';
  }
}
