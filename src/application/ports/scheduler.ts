/**
 * Durable delayed jobs (Agenda in both profiles). Handlers must be idempotent: a job may run again
 * after a crash between its effect and its completion. Job data must be plain JSON (times as ISO
 * strings): the embedded profile stores it as JSON text.
 */
export interface JobOptions {
  /**
   * Total attempts including the first; failures retry with exponential backoff. Default 1.
   * `Infinity` never gives up: for jobs that compensate (a hold that must be released), with `maxBackoffMs`.
   */
  attempts?: number;
  /** Base delay for the exponential backoff, in milliseconds (default 1000): waits are base, 2×base, 4×base… */
  backoffMs?: number;
  /** The longest wait between two attempts (no cap by default). */
  maxBackoffMs?: number;
  concurrency?: number;
}

export type JobHandler = (data: Record<string, unknown>, info: { attempt: number; lastAttempt: boolean }) => Promise<void>;

export interface JobToSchedule {
  name: string;
  runAt: Date;
  data: Record<string, unknown>;
  uniqueKey?: string;
}

export interface Scheduler {
  define(name: string, handler: JobHandler, options?: JobOptions): void;
  /**
   * Schedules `name` at `runAt`. With `uniqueKey`, scheduling again with the same key replaces the
   * earlier job instead of adding one (so replays of the triggering event schedule once).
   */
  schedule(name: string, runAt: Date, data: Record<string, unknown>, uniqueKey?: string): Promise<void>;
  /** Several jobs, each as `schedule` would; the embedded profile saves them in one commit. */
  scheduleAll(jobs: readonly JobToSchedule[]): Promise<void>;
  /**
   * Runs `name` every `intervalMs`, one job for the whole deployment however many instances ask
   * (asking again, as every start does, keeps the one job).
   */
  every(name: string, intervalMs: number): Promise<void>;
  /** Removes pending jobs of `name` whose data matches the given fields. */
  cancel(name: string, dataMatch: Record<string, unknown>): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
