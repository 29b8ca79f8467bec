import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CLIENT_SOURCES, generateTypescriptClient } from '../../../tools/typescriptClient.js';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { givenSlots } from '../../support/booking.js';

/** The committed client (clients/typescript) is what `npm run client:generate` makes of today's document, and it works. */
const files = (dir: string) => Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => {
    const path = join(entry.parentPath, entry.name);
    return [path.slice(dir.length + 1), readFileSync(path, 'utf8')];
  }));

describe('the generated TypeScript client', () => {
  it('is up to date with the OpenAPI document (else: npm run client:generate)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'healthvision-client-'));
    try {
      await generateTypescriptClient(dir);
      const fresh = files(dir);
      const committed = files(resolve(CLIENT_SOURCES));
      expect(Object.keys(committed).sort()).toEqual(Object.keys(fresh).sort());
      for (const [path, text] of Object.entries(fresh)) expect({ path, text: committed[path] }).toEqual({ path, text });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('type-checks on its own tsconfig', async () => {
    await promisify(execFile)(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'clients/typescript'], {
      timeout: 90_000, env: { ...process.env, NODE_OPTIONS: '' },
    });
  }, 120_000);

  describe('against the service', () => {
    /** The generated code imports the DOM's fetch types, so it is loaded here by path and typed by what is used. */
    interface Result { data?: Record<string, unknown>; error?: Record<string, unknown>; response: Response }
    type Call = (options: Record<string, unknown>) => Promise<Result>;
    let sdk: Record<'login' | 'getMe' | 'bookSlot' | 'listDoctorSlots', Call>;
    let makeClient: (config: Record<string, unknown>) => unknown;
    let t: TestApp;
    let server: Server;
    let baseUrl: string;
    let doctor: GivenUser;
    let patient: GivenUser;

    beforeAll(async () => {
      const load = (file: string) => import(pathToFileURL(resolve(CLIENT_SOURCES, file)).href);
      sdk = await load('index.ts');
      makeClient = (await load('client/index.ts')).createClient;
      t = await startTestApp();
      [doctor, patient] = await Promise.all([givenUser(t, { role: 'doctor' }), givenUser(t, { role: 'patient' })]);
      await givenSlots(t, doctor);
      server = createServer(t.http);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((done) => server.close(() => done()));
      await t.close();
    });

    it('signs in, reads the account and books a slot idempotently, with problems as typed errors', async () => {
      const client = makeClient({ baseUrl });
      const session = await sdk.login({ client, body: { email: patient.email, password: patient.password } });
      expect(session.data).toMatchObject({ token: expect.any(String), user: { id: patient.userId } });
      const signedIn = makeClient({ baseUrl, auth: () => session.data!.token });
      expect((await sdk.getMe({ client: signedIn })).data).toMatchObject({ id: patient.userId, role: 'patient' });

      const slots = await sdk.listDoctorSlots({ client, path: { doctorId: doctor.userId }, query: { status: 'available' } });
      const slotId = (slots.data!.items as Array<{ slotId: string }>)[0].slotId;
      const book = (body: object) => sdk.bookSlot({ client: signedIn, body, headers: { 'Idempotency-Key': 'client-test-1' } });
      const first = await book({ slotId });
      expect(first.response.status).toBe(201);
      const repeat = await book({ slotId });
      expect(repeat.data).toEqual(first.data);
      expect(repeat.response.headers.get('idempotent-replayed')).toBe('true');
      const reused = await book({ slotId: 'another' });
      expect({ status: reused.response.status, code: reused.error?.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });
    });
  });
});
