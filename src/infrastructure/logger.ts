import { pino, type Logger } from 'pino';

export type { Logger };

/** Secrets never reach the logs: auth headers, passwords, OTPs, tokens, signatures. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-razorpay-signature"]',
  '*.password', '*.newPassword', '*.otp', '*.token', '*.code',
  'body.password', 'body.newPassword', 'body.otp',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } });
}
