import request from 'supertest';
import type { TestApp } from '../../support/testApp.js';

export const patientSignUp = (email: string, extra: Record<string, unknown> = {}) => ({
  name: 'Asha Rao', email, password: 'correct horse battery', role: 'patient', ...extra,
});

/** The newest code mailed to `to`, read from the development mailbox like a developer would. */
export async function mailedCode(t: TestApp, to: string): Promise<string> {
  const res = await request(t.http).get('/api/dev/mailbox').query({ to }).expect(200);
  const match = /\b(\d{6})\b/.exec(String(res.body.items[0]?.text ?? ''));
  if (!match) throw new Error(`no code mailed to ${to}`);
  return match[1];
}

export async function signUpAndVerify(t: TestApp, email: string): Promise<{ userId: string; token: string; password: string }> {
  const body = patientSignUp(email);
  const signUp = await request(t.http).post('/api/auth/signup').send(body).expect(201);
  const verified = await request(t.http).post('/api/auth/verify-otp').send({ email, otp: await mailedCode(t, email) }).expect(200);
  return { userId: signUp.body.userId, token: verified.body.token, password: body.password };
}
