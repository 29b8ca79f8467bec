import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../../support/testApp.js';
import { givenUser, type GivenUser } from '../../support/identity.js';
import { bearer } from '../../support/booking.js';
import { DIABETIC_PANEL, labReportPdf } from '../../support/sampleReports.js';
import { eventually } from '../../support/polling.js';
import type { FileStorage } from '../../../src/application/ports/fileStorage.js';

/**
 * A report upload is spooled to disk as it arrives and travels to storage from there, so ten patients
 * uploading 10 MiB each do not hold 100 MiB in the process. The spool is a waiting room only: whatever
 * the answer, nothing of the upload stays in it.
 */
let t: TestApp;
let patient: GivenUser;
/** What lay in the spool, by size, each time the storage was handed a file. */
const spoolAtPut: number[][] = [];
beforeAll(async () => {
  t = await startTestApp({
    wrapAdapters: {
      files: (inner) => Object.assign(Object.create(inner) as FileStorage, {
        put: (name: string, content: Blob, mimeType: string) => {
          spoolAtPut.push(spooled().map((f) => statSync(join(t.config.dataDir, 'uploads', f)).size));
          return inner.put(name, content, mimeType);
        },
      }),
    },
  });
  patient = await givenUser(t, { role: 'patient' });
});
afterAll(async () => { await t.close(); });

const spooled = () => {
  try {
    return readdirSync(join(t.config.dataDir, 'uploads'));
  } catch {
    return [];
  }
};
/** The spooled file goes once the answer is out, so shortly after the client has it. */
const spoolEmpties = () => eventually(async () => expect(spooled()).toEqual([]), 2_000, 20);
const upload = (bytes: Buffer, name: string) => request(t.http).post('/api/reports').set(bearer(patient)).attach('file', bytes, name);

/** A real PDF grown to `size` bytes with trailing padding (readers ignore what follows %%EOF). */
async function pdfOf(size: number): Promise<Buffer> {
  const pdf = await labReportPdf(DIABETIC_PANEL);
  return Buffer.concat([pdf, Buffer.alloc(size - pdf.length, 0x20)]);
}

describe('report uploads spooled to disk', () => {
  it('a 9 MiB report is stored byte for byte, with its hash recorded, and the spool is empty afterwards', async () => {
    const bytes = await pdfOf(9 * 1024 * 1024);
    const res = await upload(bytes, 'big.pdf').expect(201);
    const [uploaded] = (await t.services.events.readStream(`report-${res.body.reportId}`)).filter((e) => e.type === 'ReportUploaded');
    const data = uploaded.data as { sizeBytes: number; sha256: string; storageKey: string };
    expect({ size: data.sizeBytes, sha256: data.sha256 }).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(readFileSync(join(t.config.dataDir, 'reports', data.storageKey)).equals(bytes)).toBe(true);
    // The storage read it from the spooled copy on disk, not from memory.
    expect(spoolAtPut.at(-1)).toEqual([bytes.length]);
    await spoolEmpties();
  });

  it('a refused upload leaves nothing in the spool: a wrong type (415) or one over 10 MiB (413)', async () => {
    await upload(Buffer.from('just some text, not a report'), 'notes.pdf').expect(415);
    await upload(await pdfOf(10 * 1024 * 1024 + 1), 'huge.pdf').expect(413);
    await spoolEmpties();
  });

  it('the repeat of an upload under its Idempotency-Key replays the answer and leaves nothing in the spool', async () => {
    const bytes = await pdfOf(64 * 1024);
    const send = () => upload(bytes, 'again.pdf').set('Idempotency-Key', 'spool-replay-1');
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.body.reportId).toBe(first.body.reportId);
    await spoolEmpties();
  });
});
