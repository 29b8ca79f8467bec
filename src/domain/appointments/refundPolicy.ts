/** Who called a confirmed appointment off; only a patient's own late cancellation costs them. */
export type CancelledBy = 'patient' | 'doctor' | 'admin';

const FULL_REFUND_NOTICE_MS = 24 * 60 * 60_000;

/**
 * The refund owed on a cancellation: everything when the doctor or the platform cancels or when the
 * patient cancels more than 24 hours ahead, half (rounded down to the paisa) otherwise.
 */
export function refundAmount(input: { paidPaise: number; by: CancelledBy; start: string; now: string }): number {
  if (input.by !== 'patient') return input.paidPaise;
  if (Date.parse(input.start) - Date.parse(input.now) > FULL_REFUND_NOTICE_MS) return input.paidPaise;
  return Math.floor(input.paidPaise / 2);
}
