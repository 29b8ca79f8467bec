import { createHmac, randomInt } from 'node:crypto';
import type { OtpGenerator } from '../../application/ports/otpGenerator.js';

/**
 * Six digits from the OS CSPRNG (uniform, no modulo bias). The stored hash is an HMAC under a server
 * secret: a leaked event store does not let anyone brute-force the million possible codes offline.
 */
export function cryptoOtpGenerator(secret: string): OtpGenerator {
  return {
    generate: () => String(randomInt(0, 1_000_000)).padStart(6, '0'),
    hash: (userId, code) => createHmac('sha256', `otp:${secret}`).update(`${userId}:${code}`).digest('hex'),
  };
}
