import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/** Secrets never reach the logs: auth headers, passwords, OTPs, tokens, signatures. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-razorpay-signature"]',
  '*.password', '*.newPassword', '*.otp', '*.token', '*.code',
  'body.password', 'body.newPassword', 'body.otp',
];

interface RequestLine { req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number }

/** A request reads as one short line on a terminal: `GET /api/doctors 200 12ms request completed`. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const { req, res, responseTime } = log as RequestLine;
  const message = String(log[messageKey] ?? '');
  if (!req || !res) return message;
  return `${req.method} ${req.url} ${res.statusCode}${responseTime === undefined ? '' : ` ${responseTime}ms`} ${message}`;
}

/**
 * JSON lines for programs; `pretty` for a developer's terminal. The pretty stream runs in this thread
 * (not a transport worker), so the last lines before an exit are never lost. `destination` is stdout
 * unless a test captures the lines.
 */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json', destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: redactPaths, censor: '[redacted]' } };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(options, pinoPretty({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,req,res,responseTime',
    messageFormat: prettyMessage,
    // Other fields follow on the same line: a terminal of one line per entry.
    singleLine: true,
    sync: true,
    ...(destination ? { destination, colorize: false } : {}),
  }));
}
