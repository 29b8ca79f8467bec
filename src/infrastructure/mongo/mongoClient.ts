import { MongoClient, MongoError, MongoNetworkError, type MongoClientOptions } from 'mongodb';

/**
 * Every MongoDB client of the service is made here, so all of them write alike:
 * - `ignoreUndefined`: an undefined value is left out (as JSON does in the embedded profile), never stored as null;
 * - `w: 'majority'`: an acknowledged write survives a replica-set step-down (a primary's
 *   unreplicated writes are rolled back when it steps down; majority-acknowledged ones are not);
 * - `retryWrites`/`retryReads`: single-document writes and reads are retried once across a failover.
 */
export const MONGO_CLIENT_OPTIONS: Readonly<MongoClientOptions> = Object.freeze<MongoClientOptions>({
  ignoreUndefined: true,
  retryWrites: true,
  retryReads: true,
  writeConcern: { w: 'majority' },
});

export function createMongoClient(url: string): MongoClient {
  return new MongoClient(url, { ...MONGO_CLIENT_OPTIONS });
}

export function connectMongo(url: string): Promise<MongoClient> {
  return createMongoClient(url).connect();
}

/** A failure the driver labels as safe to retry (primary stepped down, network lost before the answer). */
export function isRetryableMongoError(error: unknown): boolean {
  if (error instanceof MongoNetworkError) return true;
  return error instanceof MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('TransientTransactionError'));
}

const RETRY_ATTEMPTS = 3;

/**
 * Multi-document writes (`deleteMany`, `updateMany`) are not retryable writes in MongoDB: a
 * step-down mid-call fails them. One that is idempotent (emptying a collection) is retried here,
 * a bounded number of times; `wait` spaces the attempts (the election takes a few seconds).
 */
export async function retryIdempotentWrite<T>(write: () => Promise<T>, wait: (attempt: number) => Promise<void> = electionPause): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= RETRY_ATTEMPTS || !isRetryableMongoError(error)) throw error;
      await wait(attempt);
    }
  }
}

function electionPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 500 * attempt));
}
