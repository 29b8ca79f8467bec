import { z } from 'zod';
import { resolve } from 'node:path';
import { parseLedgerSigningKey } from './audit/ledgerKey.js';

/** The development JWT secret: usable on a laptop, refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'healthvision-development-secret-do-not-use-in-production';
const DEVELOPMENT_WEBHOOK_SECRET = 'healthvision-development-webhook-secret';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalString = z.string().trim().min(1).optional();
const validLedgerKey = (text: string | undefined) => {
  if (text === undefined) return true;
  try {
    parseLedgerSigningKey(text);
    return true;
  } catch {
    return false;
  }
};
const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
/** An address or subnet express can trust as a proxy (or one of its names for a range). */
const proxyAddress = z.union([z.enum(['loopback', 'linklocal', 'uniquelocal']), z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
/**
 * express's `trust proxy`: `false` (use the socket's address), `true` (trust every hop: only when the
 * balancer overwrites X-Forwarded-For), a number of hops, or a comma list of proxy addresses/subnets.
 */
const trustProxy = z.union([
  z.enum(['true', 'false']).transform((v) => v === 'true'),
  z.string().regex(/^\d+$/, 'a number of hops').transform(Number),
  csv.pipe(z.array(proxyAddress).min(1)),
], 'expected true, false, a number of hops, or proxy addresses/subnets separated by commas');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  /** Unset: every interface in production, 127.0.0.1 elsewhere (the development mailbox and secrets stay local). */
  HOST: optionalString,
  TRUST_PROXY: trustProxy.default(['loopback']),
  /** Local disk for uploads while the production profile runs: only for a single instance (files are not shared). */
  ALLOW_LOCAL_FILES_IN_PRODUCTION: bool.default(false),
  /** How long a completed Idempotency-Key is remembered, and how long an unfinished one (its instance crashed) blocks retries. */
  IDEMPOTENCY_KEY_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS: z.coerce.number().int().positive().default(300),
  PUBLIC_BASE_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty on a terminal outside production, JSON lines otherwise (log shippers read those). */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  CORS_ORIGINS: csv.default(['http://localhost:3000', 'http://localhost:5173']),
  DATA_DIR: z.string().default('./data'),
  SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  HOLD_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  MIN_NOTICE_MINUTES: z.coerce.number().int().min(0).default(30),
  /** Minutes before a confirmed appointment at which patient and doctor get an e-mail reminder; `0` alone turns them off. */
  REMINDER_OFFSETS_MINUTES: z.string().regex(/^\s*(\d{1,5}\s*(,\s*\d{1,5}\s*)*)?$/, 'a comma-separated list of whole minutes, e.g. 1440,60')
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean).map(Number))].filter((m) => m > 0))
    .default([1440, 60]),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 bytes').default(DEVELOPMENT_JWT_SECRET),
  JWT_EXPIRES_IN_SECONDS: z.coerce.number().int().positive().default(3600),
  /** bcrypt work factor; tests lower it, production keeps ≥ 12. */
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  JWT_ISSUER: z.string().default('healthvision'),
  JWT_AUDIENCE: z.string().default('healthvision-api'),
  EVENTSTORE_URL: optionalString,
  MONGODB_URL: optionalString,
  MONGODB_DB: z.string().default('healthvision'),
  RAZORPAY_KEY_ID: optionalString,
  RAZORPAY_KEY_SECRET: optionalString,
  RAZORPAY_WEBHOOK_SECRET: z.string().min(1).default(DEVELOPMENT_WEBHOOK_SECRET),
  RESEND_API_KEY: optionalString,
  MAIL_FROM: z.string().default('HealthVision <no-reply@healthvision.local>'),
  CLOUDINARY_URL: optionalString,
  IMAGEKIT_PUBLIC_KEY: optionalString,
  IMAGEKIT_PRIVATE_KEY: optionalString,
  IMAGEKIT_URL_ENDPOINT: optionalString,
  ML_SERVICE_URL: z.url().optional(),
  /** Base delay between report analysis attempts (3 attempts, doubling). */
  ANALYSIS_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(5000),
  /** Attempts at a reactor's event that keeps failing transiently before it is parked, and the wait between them (doubling, capped). */
  REACTOR_RETRY_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  REACTOR_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).default(200),
  REACTOR_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).default(5000),
  /** How often events parked by a transient failure are delivered again. */
  REACTOR_REDRIVE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * Lifetime of the lease that gives each projection and reactor one owner across instances; the owner
   * renews it every third of this, and another instance takes over at most this long after it dies.
   */
  LEASE_TTL_MS: z.coerce.number().int().min(300).default(15_000),
  STUN_URLS: csv.default(['stun:stun.l.google.com:19302']),
  TURN_URLS: csv.optional(),
  TURN_SECRET: optionalString,
  TURN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  SEED_DEMO: bool.optional(),
  /** Per client address; unset → 600 (auth: 20) in production, generous elsewhere (see PRODUCTION_RATE_LIMITS). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  /** Ed25519 key signing the audit ledger's tree heads: PKCS#8 PEM or its DER in base64 (docs/audit-ledger.md). */
  LEDGER_SIGNING_KEY: optionalString.refine(validLedgerKey, 'LEDGER_SIGNING_KEY: not an Ed25519 PKCS#8 private key (PEM, or base64 of the DER)'),
  /** A tree head is signed once this many events are unsigned, or once the oldest has waited this long. */
  LEDGER_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().positive().default(1000),
  LEDGER_CHECKPOINT_EVERY_SECONDS: z.coerce.number().int().positive().default(60),
  /**
   * Embedded profile: `thread` writes the ledger's leaves from a worker thread (off the request path);
   * `inline` on the service's thread, where it follows the service's Clock (tests with a fake clock).
   */
  LEDGER_WRITER: z.enum(['thread', 'inline']).default('thread'),
  /** Derives webhook endpoints' signing secrets; unset → derived from JWT_SECRET (docs/webhooks.md). */
  WEBHOOK_SECRET_KEY: z.string().min(32, 'WEBHOOK_SECRET_KEY must be at least 32 bytes').optional(),
  /** Webhook retries: the first wait, doubling, until this long after the first attempt. */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().positive().default(60),
  WEBHOOK_RETRY_WINDOW_SECONDS: z.coerce.number().int().positive().default(86_400),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Whether endpoints may be on loopback or private networks; unset → allowed except in production. */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: bool.optional(),
});

/**
 * Production guards against abuse; development and test servers are driven by scripts and acceptance
 * suites from one address, which the production limits would turn into spurious 429s.
 */
const PRODUCTION_RATE_LIMITS = { RATE_LIMIT_PER_MINUTE: 600, AUTH_RATE_LIMIT_PER_MINUTE: 20 };
const LOCAL_RATE_LIMITS = { RATE_LIMIT_PER_MINUTE: 100_000, AUTH_RATE_LIMIT_PER_MINUTE: 10_000 };

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'RATE_LIMIT_PER_MINUTE' | 'AUTH_RATE_LIMIT_PER_MINUTE' | 'LOG_FORMAT' | 'HOST'> {
  HOST: string;
  /** True when HOST was not set and the service binds to the default for its NODE_ENV. */
  hostDefaulted: boolean;
  LOG_FORMAT: 'pretty' | 'json';
  RATE_LIMIT_PER_MINUTE: number;
  AUTH_RATE_LIMIT_PER_MINUTE: number;
  dataDir: string;
  sqliteFile: string;
  seedDemo: boolean;
  profile: 'embedded' | 'production';
  /** True when the local Razorpay simulator stands in for the real gateway. */
  paymentSimulator: boolean;
  /** Webhooks may go to loopback and private networks (development, tests, or an operator's choice). */
  webhookAllowPrivateAddresses: boolean;
}

export class ConfigError extends Error {}

/**
 * Parses the environment once; any bad value stops start-up with a message naming the variable.
 * `stdoutIsTerminal` picks the default log format: a person reading a terminal, or a program reading lines.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, stdoutIsTerminal = process.stdout.isTTY === true): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && e.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: set a secret of at least 32 bytes in production');
  }
  if (production && !(e.RAZORPAY_KEY_ID && e.RAZORPAY_KEY_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  RAZORPAY_KEY_ID/RAZORPAY_KEY_SECRET: production refuses the local payment simulator');
  }
  if (e.WEBHOOK_RETRY_BASE_SECONDS > e.WEBHOOK_RETRY_WINDOW_SECONDS) {
    throw new ConfigError('Invalid configuration:\n  WEBHOOK_RETRY_BASE_SECONDS: must not exceed WEBHOOK_RETRY_WINDOW_SECONDS');
  }
  if (production && e.RAZORPAY_WEBHOOK_SECRET === DEVELOPMENT_WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration:\n  RAZORPAY_WEBHOOK_SECRET: set the webhook secret in production');
  }
  if (Boolean(e.EVENTSTORE_URL) !== Boolean(e.MONGODB_URL)) {
    throw new ConfigError('Invalid configuration:\n  EVENTSTORE_URL/MONGODB_URL: the production profile needs both (or neither, for the embedded profile)');
  }
  if ((e.TURN_URLS && !e.TURN_SECRET) || (!e.TURN_URLS && e.TURN_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  TURN_URLS/TURN_SECRET: set both or neither');
  }
  if ((production || e.EVENTSTORE_URL) && !e.LEDGER_SIGNING_KEY) {
    throw new ConfigError('Invalid configuration:\n  LEDGER_SIGNING_KEY: production signs the audit ledger with its own key (a development key is generated only outside production)');
  }
  const profile = e.EVENTSTORE_URL || e.MONGODB_URL ? 'production' : 'embedded';
  const localFiles = [
    !e.CLOUDINARY_URL && 'CLOUDINARY_URL (reports)',
    !(e.IMAGEKIT_PUBLIC_KEY && e.IMAGEKIT_PRIVATE_KEY && e.IMAGEKIT_URL_ENDPOINT) && 'IMAGEKIT_* (avatars)',
  ].filter(Boolean);
  if (profile === 'production' && localFiles.length > 0 && !e.ALLOW_LOCAL_FILES_IN_PRODUCTION) {
    throw new ConfigError(`Invalid configuration:\n  ${localFiles.join(', ')}: the production profile runs several instances, which do not share a local disk; ` +
      'set the file store, or ALLOW_LOCAL_FILES_IN_PRODUCTION=true for a single instance');
  }
  const dataDir = resolve(e.DATA_DIR);
  const limits = production ? PRODUCTION_RATE_LIMITS : LOCAL_RATE_LIMITS;
  return {
    ...e,
    HOST: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    hostDefaulted: e.HOST === undefined,
    LOG_FORMAT: e.LOG_FORMAT ?? (stdoutIsTerminal && !production ? 'pretty' : 'json'),
    RATE_LIMIT_PER_MINUTE: e.RATE_LIMIT_PER_MINUTE ?? limits.RATE_LIMIT_PER_MINUTE,
    AUTH_RATE_LIMIT_PER_MINUTE: e.AUTH_RATE_LIMIT_PER_MINUTE ?? limits.AUTH_RATE_LIMIT_PER_MINUTE,
    dataDir,
    sqliteFile: resolve(dataDir, 'healthvision.sqlite'),
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV === 'development',
    profile,
    paymentSimulator: !e.RAZORPAY_KEY_ID,
    webhookAllowPrivateAddresses: e.WEBHOOK_ALLOW_PRIVATE_ADDRESSES ?? !production,
  };
}
