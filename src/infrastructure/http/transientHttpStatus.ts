/** Statuses that say "not now" rather than "no". */
const TRANSIENT_4XX = new Set([
  401, 403, // refused credentials: our configuration, not this request; once an operator fixes it, the retry goes through
  408, // the service timed out waiting for the request
  409, // another request under the same idempotency key is still in flight
  425, 429, // too early, rate limited
]);

/**
 * Whether an HTTP error answer from a service we call may change if the same request is sent again
 * later: those above and every 5xx. Any other 4xx refuses the request for good.
 */
export function isTransientHttpStatus(status: number): boolean {
  return status >= 500 || TRANSIENT_4XX.has(status);
}
