import { z, type ZodType } from 'zod';
import type { Clock } from '../../application/ports/clock.js';
import { AnalysisError, type ChatAnswer, type ChatContext, type ChatTurn, type ReportAnalyzer } from '../../application/ports/reportAnalyzer.js';
import type { ReportAnalysis } from '../../domain/reports/report.js';

const urgency = z.enum(['low', 'medium', 'high']);
const analysisSchema = z.object({
  summary: z.string().min(1).max(5000),
  findings: z.array(z.object({
    name: z.string().min(1).max(200),
    value: z.number().finite(),
    unit: z.string().min(1).max(50).optional(),
    flag: z.enum(['low', 'normal', 'high']),
  })).max(200),
  urgency,
});
const chatSchema = z.object({ reply: z.string().min(1).max(10_000), urgency, suggestBooking: z.boolean() });

export interface HttpAnalyzerOptions {
  baseUrl: string;
  clock: Clock;
  /** Per request. */
  timeoutMs?: number;
  /** Tries per call, including the first; only failures that may pass (network, timeout, 5xx, 429) are retried. */
  tries?: number;
  retryDelayMs?: number;
  /** Consecutive failed calls that open the circuit, and how long it stays open. */
  failureThreshold?: number;
  openForMs?: number;
  /** Answers chat questions while the service is unavailable, so symptom triage never goes dark. */
  chatFallback?: ReportAnalyzer;
  onFallback?: (error: AnalysisError) => void;
}

/**
 * The external ML service: `POST /analyze { mimeType, contentBase64 }` and
 * `POST /chat { context, message, history }`, answers validated before use. A small circuit breaker
 * stops calling a service that keeps failing, for `openForMs`, then lets one trial call through.
 */
export class HttpReportAnalyzer implements ReportAnalyzer {
  private failures = 0;
  private openedAt: number | null = null;
  private lastFailure = '';

  constructor(private readonly options: HttpAnalyzerOptions) {}

  analyze({ bytes, mimeType }: { bytes: Buffer; mimeType: string }): Promise<ReportAnalysis> {
    return this.call('/analyze', { mimeType, contentBase64: bytes.toString('base64') }, analysisSchema);
  }

  async chat(context: ChatContext | null, message: string, history: readonly ChatTurn[]): Promise<ChatAnswer> {
    try {
      return await this.call('/chat', { context, message, history }, chatSchema);
    } catch (error) {
      if (!(error instanceof AnalysisError) || !this.options.chatFallback) throw error;
      this.options.onFallback?.(error);
      return this.options.chatFallback.chat(context, message, history);
    }
  }

  private async call<T>(path: string, body: unknown, schema: ZodType<T>): Promise<T> {
    const openForMs = this.options.openForMs ?? 30_000;
    const now = this.options.clock.now().getTime();
    if (this.openedAt !== null && now - this.openedAt < openForMs) {
      throw new AnalysisError(`The analysis service is failing (${this.failures} failed calls in a row, last: ${this.lastFailure}); not calling it for ${Math.ceil((openForMs - (now - this.openedAt)) / 1000)} s.`, true);
    }
    const tries = Math.max(1, this.options.tries ?? 2);
    let failure: AnalysisError | null = null;
    for (let attempt = 1; attempt <= tries; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 250) * (attempt - 1)));
      try {
        const result = await this.once(path, body, schema);
        this.failures = 0;
        this.openedAt = null;
        return result;
      } catch (error) {
        failure = error instanceof AnalysisError ? error : new AnalysisError(String(error), true);
        if (!failure.retryable) throw failure;
      }
    }
    this.recordFailure(failure!.message);
    throw failure!;
  }

  private recordFailure(message: string): void {
    this.failures += 1;
    this.lastFailure = message;
    if (this.failures >= (this.options.failureThreshold ?? 5)) this.openedAt = this.options.clock.now().getTime();
  }

  private async once<T>(path: string, body: unknown, schema: ZodType<T>): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const e = error as { name?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new AnalysisError(`The analysis service did not answer within ${timeoutMs / 1000} s.`, true);
      }
      throw new AnalysisError(`The analysis service at ${url.host} could not be reached (${e.cause?.code ?? e.name ?? 'network error'}).`, true);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const retryable = response.status >= 500 || response.status === 429;
      throw new AnalysisError(`The analysis service answered HTTP ${response.status}${retryable ? '' : ' and refused the request'}.`, retryable);
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new AnalysisError('The analysis service answered with a response in an unexpected shape.', false);
    return parsed.data;
  }
}
