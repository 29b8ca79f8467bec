import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpReportAnalyzer } from '../../../src/infrastructure/analysis/httpReportAnalyzer.js';
import { EmbeddedReportAnalyzer } from '../../../src/infrastructure/analysis/embeddedReportAnalyzer.js';
import { AnalysisError } from '../../../src/application/ports/reportAnalyzer.js';
import { FakeClock } from '../../support/fakeClock.js';
import { json, startStubServer, type StubServer } from '../../support/stubServer.js';

const analysis = { summary: 'ok', findings: [{ name: 'TSH', value: 6.1, unit: 'mIU/L', flag: 'high' }], urgency: 'medium' };
const file = { bytes: Buffer.from('%PDF-1.7 sample'), mimeType: 'application/pdf' };

let stub: StubServer | null = null;
afterEach(async () => { await stub?.close(); stub = null; });

const failureOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as AnalysisError);

describe('the ML service adapter', () => {
  it('posts the file as JSON to /analyze and returns the validated analysis', async () => {
    stub = await startStubServer((_req, res) => json(res, 200, analysis));
    const analyzer = new HttpReportAnalyzer({ baseUrl: `${stub.url}/ml/`, clock: new FakeClock() });
    await expect(analyzer.analyze(file)).resolves.toEqual(analysis);
    const [sent] = stub.requests;
    expect(sent).toMatchObject({ method: 'POST', url: '/ml/analyze' });
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body.toString())).toEqual({ mimeType: 'application/pdf', contentBase64: file.bytes.toString('base64') });
  });

  it('posts questions to /chat with context and history', async () => {
    stub = await startStubServer((_req, res) => json(res, 200, { reply: 'Fine.', urgency: 'low', suggestBooking: false }));
    const analyzer = new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock() });
    const context = { title: 'Thyroid', analysis: analysis as never };
    await expect(analyzer.chat(context, 'ok?', [{ role: 'user', content: 'hi' }])).resolves.toEqual({ reply: 'Fine.', urgency: 'low', suggestBooking: false });
    expect(JSON.parse(stub.requests[0].body.toString())).toEqual({ context, message: 'ok?', history: [{ role: 'user', content: 'hi' }] });
  });

  it.each([
    ['a missing field', { summary: 'x', findings: [] }],
    ['a wrong flag', { ...analysis, findings: [{ name: 'TSH', value: 1, flag: 'weird' }] }],
    ['not JSON at all', 'oops'],
  ])('refuses an answer with %s, without retrying', async (_, body) => {
    stub = await startStubServer((_req, res) => (typeof body === 'string' ? res.end(body) : json(res, 200, body)));
    const failure = await failureOf(new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock(), retryDelayMs: 1 }).analyze(file));
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining('unexpected shape') });
    expect(stub.requests).toHaveLength(1);
  });

  it('retries a 500 and then reports it as retryable', async () => {
    stub = await startStubServer((_req, res) => json(res, 500, {}));
    const failure = await failureOf(new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock(), tries: 3, retryDelayMs: 1 }).analyze(file));
    expect(failure).toMatchObject({ retryable: true, message: 'The analysis service answered HTTP 500.' });
    expect(stub.requests).toHaveLength(3);
  });

  it('does not retry a request the service refuses (4xx)', async () => {
    stub = await startStubServer((_req, res) => json(res, 422, {}));
    const failure = await failureOf(new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock(), retryDelayMs: 1 }).analyze(file));
    expect(failure).toMatchObject({ retryable: false });
    expect(stub.requests).toHaveLength(1);
  });

  it('gives up on a service that does not answer in time', async () => {
    stub = await startStubServer(() => { /* never answers */ });
    const failure = await failureOf(new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock(), timeoutMs: 200, tries: 1 }).analyze(file));
    expect(failure).toMatchObject({ retryable: true, message: 'The analysis service did not answer within 0.2 s.' });
  });

  it('opens the circuit after repeated failures, then lets one trial call through after the pause', async () => {
    let healthy = false;
    stub = await startStubServer((_req, res) => (healthy ? json(res, 200, analysis) : json(res, 503, {})));
    const clock = new FakeClock();
    const analyzer = new HttpReportAnalyzer({ baseUrl: stub.url, clock, tries: 1, failureThreshold: 2, openForMs: 30_000 });
    await failureOf(analyzer.analyze(file));
    await failureOf(analyzer.analyze(file));
    expect(stub.requests).toHaveLength(2);

    const open = await failureOf(analyzer.analyze(file));
    expect(open?.message).toMatch(/failing \(2 failed calls in a row, last: The analysis service answered HTTP 503\.\); not calling it for 30 s/);
    expect(stub.requests).toHaveLength(2);

    clock.advance(30_000);
    healthy = true;
    await expect(analyzer.analyze(file)).resolves.toEqual(analysis);
    await expect(analyzer.analyze(file)).resolves.toEqual(analysis);
    expect(stub.requests).toHaveLength(4);
  });

  it('falls back to the embedded responder for chat when the service is down', async () => {
    stub = await startStubServer((_req, res) => json(res, 502, {}));
    const fallbacks: string[] = [];
    const analyzer = new HttpReportAnalyzer({
      baseUrl: stub.url, clock: new FakeClock(), tries: 1,
      chatFallback: new EmbeddedReportAnalyzer(), onFallback: (e) => fallbacks.push(e.message),
    });
    await expect(analyzer.chat(null, 'chest pain', [])).resolves.toMatchObject({ urgency: 'high', suggestBooking: true });
    expect(fallbacks).toEqual(['The analysis service answered HTTP 502.']);
    await expect(failureOf(new HttpReportAnalyzer({ baseUrl: stub.url, clock: new FakeClock(), tries: 1 }).chat(null, 'hi', []))).resolves.toBeInstanceOf(AnalysisError);
  });
});
