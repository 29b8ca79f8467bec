import { z } from 'zod';
import { resolve } from 'node:path';

/** The development JWT secret: usable on a laptop, refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'healthvision-development-secret-do-not-use-in-production';
const DEVELOPMENT_WEBHOOK_SECRET = 'healthvision-development-webhook-secret';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalString = z.string().trim().min(1).optional();
const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty on a terminal outside production, JSON lines otherwise (log shippers read those). */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  CORS_ORIGINS: csv.default(['http://localhost:3000', 'http://localhost:5173']),
  DATA_DIR: z.string().default('./data'),
  SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  HOLD_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  MIN_NOTICE_MINUTES: z.coerce.number().int().min(0).default(30),
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
  STUN_URLS: csv.default(['stun:stun.l.google.com:19302']),
  TURN_URLS: csv.optional(),
  TURN_SECRET: optionalString,
  TURN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  SEED_DEMO: bool.optional(),
  /** Per client address; unset → 600 (auth: 20) in production, generous elsewhere (see PRODUCTION_RATE_LIMITS). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
});

/**
 * Production guards against abuse; development and test servers are driven by scripts and acceptance
 * suites from one address, which the production limits would turn into spurious 429s.
 */
const PRODUCTION_RATE_LIMITS = { RATE_LIMIT_PER_MINUTE: 600, AUTH_RATE_LIMIT_PER_MINUTE: 20 };
const LOCAL_RATE_LIMITS = { RATE_LIMIT_PER_MINUTE: 100_000, AUTH_RATE_LIMIT_PER_MINUTE: 10_000 };

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'RATE_LIMIT_PER_MINUTE' | 'AUTH_RATE_LIMIT_PER_MINUTE' | 'LOG_FORMAT'> {
  LOG_FORMAT: 'pretty' | 'json';
  RATE_LIMIT_PER_MINUTE: number;
  AUTH_RATE_LIMIT_PER_MINUTE: number;
  dataDir: string;
  sqliteFile: string;
  seedDemo: boolean;
  profile: 'embedded' | 'production';
  /** True when the local Razorpay simulator stands in for the real gateway. */
  paymentSimulator: boolean;
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
  if (production && e.RAZORPAY_WEBHOOK_SECRET === DEVELOPMENT_WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration:\n  RAZORPAY_WEBHOOK_SECRET: set the webhook secret in production');
  }
  if (Boolean(e.EVENTSTORE_URL) !== Boolean(e.MONGODB_URL)) {
    throw new ConfigError('Invalid configuration:\n  EVENTSTORE_URL/MONGODB_URL: the production profile needs both (or neither, for the embedded profile)');
  }
  if ((e.TURN_URLS && !e.TURN_SECRET) || (!e.TURN_URLS && e.TURN_SECRET)) {
    throw new ConfigError('Invalid configuration:\n  TURN_URLS/TURN_SECRET: set both or neither');
  }
  const dataDir = resolve(e.DATA_DIR);
  const limits = production ? PRODUCTION_RATE_LIMITS : LOCAL_RATE_LIMITS;
  return {
    ...e,
    LOG_FORMAT: e.LOG_FORMAT ?? (stdoutIsTerminal && !production ? 'pretty' : 'json'),
    RATE_LIMIT_PER_MINUTE: e.RATE_LIMIT_PER_MINUTE ?? limits.RATE_LIMIT_PER_MINUTE,
    AUTH_RATE_LIMIT_PER_MINUTE: e.AUTH_RATE_LIMIT_PER_MINUTE ?? limits.AUTH_RATE_LIMIT_PER_MINUTE,
    dataDir,
    sqliteFile: resolve(dataDir, 'healthvision.sqlite'),
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV === 'development',
    profile: e.EVENTSTORE_URL || e.MONGODB_URL ? 'production' : 'embedded',
    paymentSimulator: !e.RAZORPAY_KEY_ID,
  };
}
