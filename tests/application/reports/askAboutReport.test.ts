import { describe, expect, it, jest } from '@jest/globals';
import { handle, type CommandContext, type HandlerDeps } from '../../../src/application/eventSourcing/commandHandler.js';
import { PersonalDataEventStore } from '../../../src/application/personalData/personalDataEventStore.js';
import { personalDataRules } from '../../../src/application/personalData/personalDataRules.js';
import type { EventStore } from '../../../src/application/ports/eventStore.js';
import type { ChatContext, ChatTurn, ReportAnalyzer } from '../../../src/application/ports/reportAnalyzer.js';
import { askAboutReport } from '../../../src/application/reports/answerQuestions.js';
import type { ReportsDeps } from '../../../src/application/reports/reportsDeps.js';
import { recordAnalysis, reportDecider, reportStream, uploadReport, type ReportAnalysis } from '../../../src/domain/reports/report.js';
import { SqliteEventStore } from '../../../src/infrastructure/eventStore/sqliteEventStore.js';
import { SqlitePersonalDataKeys } from '../../../src/infrastructure/personalData/sqlitePersonalDataKeys.js';
import { SqliteSnapshotStore } from '../../../src/infrastructure/snapshots/sqliteSnapshotStore.js';
import { openDatabase } from '../../../src/infrastructure/sqlite/openDatabase.js';
import { FakeClock } from '../../support/fakeClock.js';

const reportId = 'rep-1';
const patientId = 'pat-1';
const stream = reportStream(reportId);
const title = 'Thyroid panel, March';
const analysis: ReportAnalysis = { summary: 'TSH is high.', findings: [{ name: 'TSH', value: 9, unit: 'mIU/L', flag: 'high' }], urgency: 'medium' };
const asPatient: CommandContext = { actor: { userId: patientId, role: 'patient' }, correlationId: 'test' };
const QUESTIONS = 250;
const every = reportDecider.snapshot!.every;

/** The event store port, recording how many events each read of the report's stream answered. */
function counting(events: EventStore): EventStore & { reads: number[] } {
  const reads: number[] = [];
  return Object.assign(Object.create(events) as EventStore, {
    reads,
    readStream: async (...args: Parameters<EventStore['readStream']>) => {
      const read = await events.readStream(...args);
      if (args[0] === stream) reads.push(read.length);
      return read;
    },
  });
}

/** The service's layering over one in-memory database, with an analyzer that records what it was given. */
async function analysedReport() {
  const db = openDatabase(':memory:');
  const keys = new SqlitePersonalDataKeys(db);
  const events = counting(new PersonalDataEventStore(new SqliteEventStore(db), keys, personalDataRules));
  const clock = new FakeClock('2030-01-01T00:00:00Z');
  let sequence = 0;
  const handler: HandlerDeps = { events, clock, ids: { next: () => `id-${(sequence += 1)}` }, snapshots: new SqliteSnapshotStore(db), personalData: keys };
  const asked: Array<{ context: ChatContext | null; history: readonly ChatTurn[] }> = [];
  const analyzer: ReportAnalyzer = {
    analyze: async () => analysis,
    chat: async (context, message, history) => {
      asked.push({ context, history });
      return { reply: `About "${message}": see your doctor.`, urgency: 'low', suggestBooking: false };
    },
  };
  const deps = { handler, analyzer, reads: {}, reportError: jest.fn() } as unknown as ReportsDeps;
  const now = () => clock.now().toISOString();
  const system: CommandContext = { actor: { userId: 'system', role: 'system' }, correlationId: 'test' };
  await handle(handler, stream, reportDecider, (r) => uploadReport(r, {
    reportId, patientId, title, mimeType: 'application/pdf', sizeBytes: 1_000, sha256: 'ab'.repeat(32), storageKey: 'rep-1.pdf', now: now(),
  }), system);
  await handle(handler, stream, reportDecider, (r) => recordAnalysis(r, { reportId, analysis, now: now() }), system);
  return { ask: askAboutReport(deps), events, keys, clock, asked, db };
}

const question = (n: number) => `Question ${n}: is it serious?`;

describe('asking about a report with a long conversation', () => {
  it('reads a bounded number of events, and still passes the title, the analysis and the last 10 turns along', async () => {
    const w = await analysedReport();
    for (let n = 0; n < QUESTIONS; n += 1) await w.ask(reportId, question(n), asPatient);
    w.events.reads.length = 0;
    w.asked.length = 0;

    await w.ask(reportId, question(QUESTIONS), asPatient);

    // Two folds from the snapshot (the question, then its recording) and the last turns.
    expect(w.events.reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * (every + 1) + 10);
    expect((await w.events.readStream(stream)).length).toBeGreaterThan(QUESTIONS);
    expect(w.asked).toHaveLength(1);
    const [{ context, history }] = w.asked;
    expect(context).toEqual({ title, analysis });
    expect(history).toHaveLength(20);
    expect(history.filter((turn) => turn.role === 'user').map((turn) => turn.content))
      .toEqual(Array.from({ length: 10 }, (_, i) => question(QUESTIONS - 10 + i)));
    expect(history[history.length - 1]).toEqual({ role: 'assistant', content: expect.stringContaining(`About "${question(QUESTIONS - 1)}"`) });
  });

  it('keeps the report snapshot sealed, and once the patient is erased it no longer opens: the report reads as forgotten', async () => {
    const w = await analysedReport();
    for (let n = 0; n < every + 10; n += 1) await w.ask(reportId, question(n), asPatient);
    const row = JSON.stringify(w.db.prepare('SELECT * FROM stream_snapshots WHERE stream_id = ?').get(stream));
    expect(row).toContain(stream);
    for (const secret of [title, analysis.summary, 'Thyroid']) expect(row).not.toContain(secret);

    await w.keys.erase(patientId, w.clock.now());
    w.events.reads.length = 0;
    w.asked.length = 0;
    await w.ask(reportId, 'And now?', asPatient);

    const length = (await w.events.readStream(stream)).length;
    expect(w.events.reads).toContain(length - 1);
    expect(w.asked[0].context).toEqual({ title: 'Forgotten report', analysis: { ...analysis, summary: '', findings: [] } });
    expect(w.asked[0].history.map((turn) => turn.content)).toEqual(Array(20).fill(''));
  });
});
