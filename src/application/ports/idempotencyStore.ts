/** Remembers the first answer to a request sent with an `Idempotency-Key`. */
export interface StoredResponse {
  status: number;
  body: unknown;
  contentType: string;
}

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in_progress' };

/**
 * How long keys count. A completed key replays its answer for `completedMs`; a claimed key whose
 * request never finished (its instance crashed) blocks retries for `inProgressMs` only.
 */
export interface IdempotencyTtl {
  completedMs: number;
  inProgressMs: number;
}

export const DEFAULT_IDEMPOTENCY_TTL: IdempotencyTtl = { completedMs: 24 * 3600_000, inProgressMs: 5 * 60_000 };

export interface IdempotencyStore {
  /**
   * Atomically claims `key` for a request whose body hashes to `fingerprint`, or reports what is
   * there. A key whose time is up at `now` counts as absent.
   */
  claim(key: string, fingerprint: string, now: Date): Promise<Claim>;
  /** Records the answer; the key is remembered from `now` for the completed TTL. */
  complete(key: string, response: StoredResponse, now: Date): Promise<void>;
  /** Forgets a claim whose request failed on our side, so the client may retry it. */
  release(key: string): Promise<void>;
}
