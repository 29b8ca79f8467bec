import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createIdentityModule } from '../../../src/application/identity/identity.module.js';
import type { Mailer } from '../../../src/application/ports/mailer.js';
import { identityAdapters } from '../../../src/infrastructure/identity/identityAdapters.js';
import { systemActor } from '../../../src/domain/shared/event.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const ctx = { actor: systemActor, correlationId: 'test' };

/** The identity module over the test app's stores, with some adapters swapped for failing ones. */
function identityWith(overrides: { avatarsFail?: boolean; mailer?: Mailer }) {
  const errors: string[] = [];
  const adapters = identityAdapters(t.config, t.clock, t.services.log);
  const module = createIdentityModule({
    ...adapters,
    ...(overrides.mailer ? { mailer: overrides.mailer } : {}),
    ...(overrides.avatarsFail ? { avatars: { save: async () => { throw new Error('storage down'); } } } : {}),
    handler: t.services.handlerDeps,
    reads: t.services.reads,
    emailLookupKey: t.services.emailLookupKey,
    waitForProjections: (p) => t.services.projections.waitFor(p),
    reportError: (_error, message) => { errors.push(message); },
  });
  return { module, errors };
}

const signUp = (email: string) => ({ name: 'Asha', email, password: 'long enough pw', role: 'patient' as const });

describe('sign-up when a dependency fails', () => {
  it('a failed avatar upload leaves the address free for the next try', async () => {
    const { module } = identityWith({ avatarsFail: true });
    await expect(module.signUp({ ...signUp('retry@example.com'), avatar: { bytes: png, mimeType: 'image/png' } }, ctx)).rejects.toThrow('storage down');
    await expect(t.services.identity.signUp(signUp('retry@example.com'), ctx)).resolves.toMatchObject({ userId: expect.any(String) });
  });

  it('a failed code e-mail still makes the account (the code can be re-sent) and is reported without the code', async () => {
    const { module, errors } = identityWith({ mailer: { send: async () => { throw new Error('mail down'); } } });
    await expect(module.signUp(signUp('nomail@example.com'), ctx)).resolves.toMatchObject({ userId: expect.any(String) });
    expect(errors).toEqual(['could not send a verification code e-mail']);
  });
});
