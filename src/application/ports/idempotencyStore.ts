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

export interface IdempotencyStore {
  /** Atomically claims `key` for a request whose body hashes to `fingerprint`, or reports what is there. */
  claim(key: string, fingerprint: string, now: Date): Promise<Claim>;
  complete(key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claim whose request failed on our side, so the client may retry it. */
  release(key: string): Promise<void>;
}
