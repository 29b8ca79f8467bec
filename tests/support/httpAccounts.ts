import { randomUUID } from 'node:crypto';
import type { HttpClient } from './httpClient.js';

export interface HttpAccount {
  userId: string;
  email: string;
  password: string;
  token: string;
}

export interface SignUpFields {
  role: 'patient' | 'doctor';
  name?: string;
  email?: string;
  /** Doctors' profile fields (specialization, feePaise, …). */
  doctor?: Record<string, unknown>;
}

/** The newest e-mail code sent to `to`, from whichever development mailbox holds it (each service process has its own). */
export async function newestMailedCode(mailboxes: readonly HttpClient[], to: string): Promise<string | null> {
  let newest: { at: string; code: string } | null = null;
  for (const mailbox of mailboxes) {
    const res = await mailbox.send('GET', '/api/dev/mailbox', { query: { to } });
    for (const item of (res.body.items ?? []) as Array<{ text: string; at: string }>) {
      const code = /\bcode (\d{6})\b/.exec(item.text)?.[1];
      if (code && (!newest || item.at > newest.at)) newest = { at: item.at, code };
    }
  }
  return newest?.code ?? null;
}

/** Signs up over HTTP (201 expected) and answers the new account's id and credentials. */
export async function signUpOverHttp(via: HttpClient, fields: SignUpFields): Promise<{ userId: string; email: string; password: string }> {
  const email = fields.email ?? `${fields.role}-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  const res = await via.send('POST', '/api/auth/signup', {
    body: { name: fields.name ?? `Test ${fields.role}`, email, password, role: fields.role, ...fields.doctor },
  });
  if (res.status !== 201) throw new Error(`sign-up of ${email} through ${via.name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { userId: res.body.userId as string, email, password };
}

/**
 * A verified account made the way a person makes one: sign up on one service, read the code from the
 * development mailbox, verify it (possibly on another service).
 */
export async function verifiedAccount(options: SignUpFields & { signUpVia: HttpClient; verifyVia?: HttpClient; mailboxes?: HttpClient[] }): Promise<HttpAccount> {
  const account = await signUpOverHttp(options.signUpVia, options);
  const code = await newestMailedCode(options.mailboxes ?? [options.signUpVia], account.email);
  if (!code) throw new Error(`no code was mailed to ${account.email}`);
  const verified = await (options.verifyVia ?? options.signUpVia).send('POST', '/api/auth/verify-otp', { body: { email: account.email, otp: code } });
  if (verified.status !== 200) throw new Error(`verify-otp of ${account.email} answered ${verified.status}: ${JSON.stringify(verified.body)}`);
  return { ...account, token: verified.body.token as string };
}
