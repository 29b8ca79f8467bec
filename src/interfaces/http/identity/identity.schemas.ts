import { z } from 'zod';
import '../openapi.js'; // extends zod with .openapi() before the schemas below use it

/** Trimmed and lower-cased before anything else sees it; 254 is the longest address SMTP carries. */
export const emailField = z.string().trim().toLowerCase().max(254).pipe(z.email({ error: 'Not an e-mail address.' }));

/** bcrypt reads at most 72 bytes; longer passwords would be silently cut, so they are refused. */
export const passwordField = z.string().min(8, 'At least 8 characters.').max(72)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'At most 72 bytes.');

export const otpField = z.string().regex(/^\d{6}$/, 'Six digits.');

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** Multipart fields arrive as text, JSON fields as numbers: the same rule either way. */
const integer = (multipart: boolean, min: number, max: number) => multipart
  ? z.string().regex(/^\d{1,9}$/, 'A whole number.').transform(Number).pipe(z.number().int().min(min).max(max))
  : z.number().int().min(min).max(max);

const common = {
  name: z.string().trim().min(1).max(100),
  email: emailField,
  password: passwordField,
};

export function signUpBody(multipart: boolean) {
  return z.discriminatedUnion('role', [
    z.strictObject({ ...common, role: z.literal('patient') }),
    z.strictObject({
      ...common,
      role: z.literal('doctor'),
      specialization: z.string().trim().min(2).max(100),
      feePaise: integer(multipart, 0, 10_000_000),
      experienceYears: integer(multipart, 0, 80).optional(),
      bio: z.string().trim().max(2000).optional(),
      timezone: z.string().max(64).refine(isTimeZone, 'Not an IANA time zone.').optional(),
    }),
  ]);
}

/** A file part, as OpenAPI describes one. */
export const avatarFile = z.string().openapi({ type: 'string', format: 'binary' });

export type SignUpBody = z.infer<ReturnType<typeof signUpBody>>;

export const verifyOtpBody = z.strictObject({ email: emailField, otp: otpField });
export const emailOnlyBody = z.strictObject({ email: emailField });
export const loginBody = z.strictObject({ email: emailField, password: z.string().min(1).max(200) });
export const resetPasswordBody = z.strictObject({ email: emailField, otp: otpField, newPassword: passwordField });
export const mailboxQuery = z.strictObject({ to: z.string().max(254).optional() });

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['patient', 'doctor', 'admin', 'auditor']),
  avatarUrl: z.string().nullable(),
  emailVerified: z.boolean(),
  specialization: z.string().optional(),
  feePaise: z.number().int().optional(),
  experienceYears: z.number().int().optional(),
  bio: z.string().optional(),
  timezone: z.string().optional(),
}).openapi('User');

export const sessionSchema = z.object({ token: z.string(), user: userSchema }).openapi('Session');
export const acceptedSchema = z.object({ status: z.literal('accepted') });
