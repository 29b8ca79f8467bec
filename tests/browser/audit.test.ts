import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { GivenUser } from '../support/identity.js';
import { givenAppointment, givenDoctorSlots, startConsultationServer, user, type TestServer } from '../realtime/consultationFixture.js';
import { LEDGER_ENV, signedUpToNow } from '../api/audit/caseFileSupport.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const suite = haveChromium ? describe : describe.skip;
const title = haveChromium
  ? 'the /audit page in Chromium'
  : `the /audit page in Chromium (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)`;

/** What the page exposes to tests (the test program has no DOM types). */
interface AuditWindow {
  hvAudit: {
    state: string; badge: string | null; errors: string[]; checks: Record<string, boolean | null>;
    rows: Array<{ streamId: string; type: string; actor: string; causedBy: string; proof: string }>;
  };
  document: { getElementById(id: string): { textContent: string | null } | null };
}

suite(title, () => {
  let server: TestServer;
  let browser: Browser;
  let auditor: GivenUser;
  let patient: GivenUser;
  let doctor: GivenUser;
  let appointmentId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startConsultationServer(LEDGER_ENV);
    [auditor, patient, doctor] = await Promise.all([user(server, 'auditor'), user(server, 'patient'), user(server, 'doctor')]);
    ({ appointmentId } = await givenAppointment(server, patient, await givenDoctorSlots(server, doctor)));
    await signedUpToNow(server);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const signIn = async (): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/audit`);
    await page.fill('#email', auditor.email);
    await page.fill('#password', auditor.password);
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(() => (globalThis as unknown as AuditWindow).hvAudit.state === 'signed-in', undefined, { timeout: 10_000 });
    return page;
  };

  const openCase = async (page: Page) => {
    await page.fill('#appointment-id', appointmentId);
    await page.click('#open button[type=submit]');
    await page.waitForFunction(() => ['shown', 'error'].includes((globalThis as unknown as AuditWindow).hvAudit.state), undefined, { timeout: 10_000 });
    return page.evaluate(() => {
      const { hvAudit, document } = globalThis as unknown as AuditWindow;
      return { ...hvAudit, badgeText: document.getElementById('badge')?.textContent ?? '' };
    });
  };

  it('an auditor signs in, opens an appointment and sees its timeline across streams, each step\'s actor, and a verified badge', async () => {
    const page = await signIn();
    const shown = await openCase(page);
    expect(shown).toMatchObject({ state: 'shown', badge: 'verified', badgeText: 'verified', errors: [] });
    // Chromium has Ed25519 in WebCrypto, so both signatures are checked in the page as well.
    expect(shown.checks).toMatchObject({ proofs: true, headSignature: true, manifestSignature: true, trustedKey: null });
    const streams = new Set(shown.rows.map((r) => r.streamId.replace(/-.*/, '')));
    expect([...streams].sort()).toEqual(['appointment', 'patient', 'slot']);
    expect(shown.rows.map((r) => r.type)).toEqual(expect.arrayContaining(['SlotPublished', 'HoldClaimed', 'SlotHeld', 'AppointmentRequested', 'AppointmentConfirmed', 'SlotBooked']));
    expect(shown.rows.find((r) => r.type === 'AppointmentRequested')!.actor).toBe(`patient ${patient.userId}`);
    expect(shown.rows.find((r) => r.type === 'SlotPublished')!.actor).toBe(`doctor ${doctor.userId}`);
    expect(shown.rows.every((r) => r.proof === 'verified')).toBe(true);
    expect(await page.locator('#timeline tr').count()).toBe(shown.rows.length);
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  }, 60_000);

  it('shows a broken badge once a stored event is changed behind the service\'s back', async () => {
    const db = new Database(server.services.config.sqliteFile);
    try {
      db.prepare('UPDATE events SET data = json_set(data, \'$.paidPaise\', 1) WHERE stream_id = ? AND type = ?').run(`appointment-${appointmentId}`, 'AppointmentConfirmed');
    } finally {
      db.close();
    }
    const shown = await openCase(await signIn());
    expect(shown).toMatchObject({ state: 'shown', badge: 'broken', badgeText: 'broken' });
    expect(shown.rows.filter((r) => r.proof === 'broken').map((r) => r.type)).toEqual(['AppointmentConfirmed']);
    expect(shown.checks).toMatchObject({ proofs: false, headSignature: true });
  }, 60_000);
});
