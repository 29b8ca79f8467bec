import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { requireAuth } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { idempotentUpload } from '../idempotency.js';
import { documentRoute } from '../openapi.js';
import { sendProblem } from '../problem.js';
import { validate } from '../validate.js';
import { authRateLimits } from './authRateLimits.js';
import { avatarMultipart, sniffAvatar } from './avatarUpload.js';
import {
  acceptedSchema, avatarFile, emailOnlyBody, loginBody, resetPasswordBody, sessionSchema, signUpBody, userSchema, verifyOtpBody,
  type SignUpBody,
} from './identity.schemas.js';

const jsonSignUp = signUpBody(false);
const multipartSignUp = signUpBody(true);
const DEFAULT_TIMEZONE = 'Asia/Kolkata';
const SIGN_UP_TYPES = ['application/json', 'multipart/form-data'] as const;

export function authRoutes(services: Services): Router {
  const { identity } = services;
  const router = Router();
  const limited = authRateLimits(services.config.AUTH_RATE_LIMIT_PER_MINUTE, services.rateLimitStore);
  const accepted = { status: 'accepted' as const };

  // Sign-up mails a code too, so it shares the limits (multipart bodies are limited per address only).
  router.post('/signup', ...limited, avatarMultipart(), idempotentUpload(services.idempotency, services.clock), (req, res, next) => {
    validate({ body: req.is('multipart/form-data') ? multipartSignUp : jsonSignUp, bodyTypes: SIGN_UP_TYPES })(req, res, next);
  }, async (req, res) => {
    const body = req.valid.body as SignUpBody;
    let avatar;
    if (req.file) {
      const mimeType = await sniffAvatar(req.file.buffer);
      if (!mimeType) return sendProblem(res, 415, 'unsupported_avatar_type', 'The avatar must be a JPEG, PNG or WebP image.');
      avatar = { bytes: req.file.buffer, mimeType };
    }
    const doctor = body.role === 'doctor'
      ? {
        specialization: body.specialization, feePaise: body.feePaise, experienceYears: body.experienceYears ?? 0,
        bio: body.bio ?? '', timezone: body.timezone ?? DEFAULT_TIMEZONE,
      }
      : undefined;
    const { userId } = await identity.signUp(
      { name: body.name, email: body.email, password: body.password, role: body.role, doctor, avatar }, commandContext(req),
    );
    res.status(201).json({ userId, verificationRequired: true });
  });

  router.post('/verify-otp', ...limited, validate({ body: verifyOtpBody }), async (req, res) => {
    res.json(await identity.verifyOtp(req.valid.body as z.infer<typeof verifyOtpBody>, commandContext(req)));
  });

  router.post('/resend-otp', ...limited, validate({ body: emailOnlyBody }), async (req, res) => {
    await identity.resendOtp(req.valid.body as z.infer<typeof emailOnlyBody>, commandContext(req));
    res.status(202).json(accepted);
  });

  router.post('/login', ...limited, validate({ body: loginBody }), async (req, res) => {
    res.json(await identity.login(req.valid.body as z.infer<typeof loginBody>, commandContext(req)));
  });

  router.post('/forgot-password', ...limited, validate({ body: emailOnlyBody }), async (req, res) => {
    await identity.forgotPassword(req.valid.body as z.infer<typeof emailOnlyBody>, commandContext(req));
    res.status(202).json(accepted);
  });

  router.post('/reset-password', ...limited, validate({ body: resetPasswordBody }), async (req, res) => {
    await identity.resetPassword(req.valid.body as z.infer<typeof resetPasswordBody>, commandContext(req));
    res.json({ passwordChanged: true });
  });

  router.get('/me', requireAuth, async (req, res) => {
    res.json(await identity.me(req.actor!.userId));
  });

  document();
  return router;
}

function document(): void {
  const tags = ['Auth'];
  const [patientForm, doctorForm] = multipartSignUp.options;
  const signUpForm = z.discriminatedUnion('role', [patientForm.extend({ avatar: avatarFile.optional() }), doctorForm.extend({ avatar: avatarFile.optional() })]);
  documentRoute({
    method: 'post', path: '/api/auth/signup', operationId: 'signUp', tags, summary: 'Sign up as a patient or doctor (JSON, or multipart with an `avatar` image)',
    body: jsonSignUp, multipart: signUpForm, responses: { 201: z.object({ userId: z.string(), verificationRequired: z.literal(true) }) }, errors: [409],
  });
  documentRoute({
    method: 'post', path: '/api/auth/verify-otp', operationId: 'verifyOtp', tags, idempotent: false, summary: 'Confirm the e-mail address with the 6-digit code',
    body: verifyOtpBody, responses: { 200: sessionSchema }, errors: [400, 409, 429],
  });
  documentRoute({
    method: 'post', path: '/api/auth/resend-otp', operationId: 'resendOtp', tags, summary: 'Send a new e-mail code (at most once a minute)',
    body: emailOnlyBody, responses: { 202: acceptedSchema }, errors: [400, 429],
  });
  documentRoute({
    method: 'post', path: '/api/auth/login', operationId: 'login', tags, idempotent: false, summary: 'Sign in with e-mail and password',
    body: loginBody, responses: { 200: sessionSchema }, errors: [400, 403, 429],
  });
  documentRoute({
    method: 'post', path: '/api/auth/forgot-password', operationId: 'forgotPassword', tags, summary: 'Mail a password-reset code',
    body: emailOnlyBody, responses: { 202: acceptedSchema }, errors: [400, 429],
  });
  documentRoute({
    method: 'post', path: '/api/auth/reset-password', operationId: 'resetPassword', tags, summary: 'Set a new password with the mailed code (revokes earlier tokens)',
    body: resetPasswordBody, responses: { 200: z.object({ passwordChanged: z.literal(true) }) }, errors: [400, 429],
  });
  documentRoute({
    method: 'get', path: '/api/auth/me', operationId: 'getMe', tags, summary: 'The signed-in account', auth: true,
    responses: { 200: userSchema },
  });
}
