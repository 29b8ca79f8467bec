import type { Services } from '../compositionRoot.js';
import type { SeededUser } from './identitySeed.js';

const DEMO_TOP_UP_PAISE = 500_000;

/**
 * The demo patient's wallet gets ₹5,000 the way a patient's would: a top-up order, paid at the local
 * simulator's checkout and completed through verify. Skipped with a real gateway (no play money there).
 */
export async function seedWallet(services: Services, patient: SeededUser, lines: string[]): Promise<void> {
  const simulator = services.razorpaySimulator;
  if (!simulator) return;
  const ctx = { actor: { userId: patient.userId, role: 'patient' as const }, correlationId: 'demo-seed-wallet' };
  const { razorpay } = await services.payments.topUp({ amountPaise: DEMO_TOP_UP_PAISE }, ctx);
  if (!razorpay) throw new Error('a top-up always has a gateway order');
  // The seed runs before the server listens, so the checkout's webhook is left out; verify completes it.
  const proof = simulator.checkout(razorpay.orderId, 'success', { deliverWebhook: false });
  if (!('razorpay_signature' in proof)) throw new Error('the simulated checkout did not succeed');
  const verified = await services.payments.verify(proof, ctx);
  await services.projections.waitFor(verified.position);
  lines.push(`Demo patient wallet: ₹${(DEMO_TOP_UP_PAISE / 100).toLocaleString('en-IN')} (a top-up through the local Razorpay simulator)`);
}
