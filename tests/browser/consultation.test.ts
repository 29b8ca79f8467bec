import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GivenUser } from '../support/identity.js';
import { givenAppointment, givenDoctorSlots, startConsultationServer, user, type TestServer } from '../realtime/consultationFixture.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const suite = haveChromium ? describe : describe.skip;
const title = haveChromium
  ? 'a video consultation in Chromium'
  : `a video consultation in Chromium (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)`;

const CONNECT_TIMEOUT_MS = 30_000;

/** What the demo page exposes to tests (the test program has no DOM types). */
interface BrowserWindow {
  hv: { state: string; pc: { connectionState: string } | null; remoteTracks: Array<{ kind: string }>; errors: string[] };
  document: { getElementById(id: string): { textContent: string | null } | null };
}

interface PageState {
  state: string;
  connectionState: string | null;
  remoteVideoTracks: number;
  errors: string[];
  status: string;
}

suite(title, () => {
  let server: TestServer;
  let browser: Browser;
  let patient: GivenUser;
  let doctor: GivenUser;
  let slots: string[];
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startConsultationServer();
    [patient, doctor] = await Promise.all([user(server, 'patient'), user(server, 'doctor')]);
    slots = await givenDoctorSlots(server, doctor);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const openAs = async (who: GivenUser, appointmentId: string): Promise<Page> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${who.userId}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`${who.userId}: ${e.message}`));
    await page.goto(`${server.url}/demo/consultation?token=${encodeURIComponent(who.token)}&appointmentId=${encodeURIComponent(appointmentId)}`);
    return page;
  };

  const stateOf = (page: Page): Promise<PageState> => page.evaluate(() => {
    const w = globalThis as unknown as BrowserWindow;
    return {
      state: w.hv.state,
      connectionState: w.hv.pc ? w.hv.pc.connectionState : null,
      remoteVideoTracks: w.hv.remoteTracks.filter((t) => t.kind === 'video').length,
      errors: w.hv.errors,
      status: w.document.getElementById('status')?.textContent ?? '',
    };
  });

  const connectedWithVideo = (page: Page) => page.waitForFunction(() => {
    const { hv } = globalThis as unknown as Partial<BrowserWindow>;
    return hv?.pc?.connectionState === 'connected' && hv.remoteTracks.some((t) => t.kind === 'video');
  }, undefined, { timeout: CONNECT_TIMEOUT_MS });

  const bothConnected = (patientPage: Page, doctorPage: Page) =>
    Promise.all([connectedWithVideo(patientPage), connectedWithVideo(doctorPage)]).catch(async (error: Error) => {
      // Say where each side got stuck.
      const sides = JSON.stringify({ patient: await stateOf(patientPage), doctor: await stateOf(doctorPage) }, null, 2);
      throw new Error(`${error.message}\n${sides}\n${problems.join('\n')}`);
    });

  it('patient and doctor join through /demo/consultation, connect, and each receives the other\'s video', async () => {
    const { appointmentId } = await givenAppointment(server, patient, slots);
    const patientPage = await openAs(patient, appointmentId);
    await patientPage.waitForFunction(() => (globalThis as unknown as Partial<BrowserWindow>).hv?.state === 'waiting', undefined, { timeout: 10_000 });
    const doctorPage = await openAs(doctor, appointmentId);

    await bothConnected(patientPage, doctorPage);
    for (const page of [patientPage, doctorPage]) {
      expect(await stateOf(page)).toMatchObject({ state: 'connected', connectionState: 'connected', remoteVideoTracks: 1, errors: [] });
    }
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);

    const consultation = await fetch(`${server.url}/api/consultations/${appointmentId}`, { headers: { Authorization: `Bearer ${patient.token}` } });
    expect(await consultation.json()).toMatchObject({ appointmentId, status: 'active' });
  }, 60_000);

  it('the call comes back when the patient reloads the page', async () => {
    const { appointmentId } = await givenAppointment(server, patient, slots);
    const patientPage = await openAs(patient, appointmentId);
    const doctorPage = await openAs(doctor, appointmentId);
    await bothConnected(patientPage, doctorPage);

    await patientPage.reload();
    await bothConnected(patientPage, doctorPage);
    expect(await stateOf(doctorPage)).toMatchObject({ state: 'connected', remoteVideoTracks: 1 });
  }, 60_000);
});
