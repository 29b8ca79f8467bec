/**
 * Leases give a piece of work (a projection, a reactor) one owner across instances. A lease is held
 * until its expiry; the owner renews it well before, and another instance may take it only once it has
 * expired (the owner died or lost the store). Expiry is judged by the Clock of the instance asking, so
 * the TTL must be far larger than the clock skew between instances.
 */
export interface Leases {
  /**
   * Takes `name` for `owner` until now + `ttlMs` when it is free, expired, or already `owner`'s (a
   * renewal). True when `owner` holds it afterwards.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a clean stop), so another instance need not wait out the expiry; a no-op unless `owner` holds it. */
  release(name: string, owner: string): Promise<void>;
  /** Who holds `name` now (null when free or expired), for status pages. */
  holder(name: string): Promise<string | null>;
}
