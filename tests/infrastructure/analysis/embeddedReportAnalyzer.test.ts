import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { EmbeddedReportAnalyzer } from '../../../src/infrastructure/analysis/embeddedReportAnalyzer.js';
import { MEDICAL_DISCLAIMER } from '../../../src/domain/reports/symptomTriage.js';
import { AnalysisError } from '../../../src/application/ports/reportAnalyzer.js';
import { DIABETIC_PANEL, blankPdf, labReportPdf, tinyJpeg, tinyPng } from '../../support/sampleReports.js';

const analyzer = new EmbeddedReportAnalyzer();

describe('the embedded analyzer reading sample reports', () => {
  it('finds and flags the lab values printed in a PDF', async () => {
    const analysis = await analyzer.analyze({ bytes: await labReportPdf(DIABETIC_PANEL), mimeType: 'application/pdf' });
    expect(analysis.findings).toEqual([
      { name: 'Haemoglobin', value: 10.1, unit: 'g/dL', flag: 'low' },
      { name: 'Fasting blood glucose', value: 182, unit: 'mg/dL', flag: 'high' },
      { name: 'HbA1c', value: 8.2, unit: '%', flag: 'high' },
      { name: 'TSH', value: 2.1, unit: 'mIU/L', flag: 'normal' },
      { name: 'LDL cholesterol', value: 96, unit: 'mg/dL', flag: 'normal' },
    ]);
    expect(analysis.urgency).toBe('medium');
    expect(analysis.summary).toContain('3 outside the adult reference range');
  });

  it('reads PDFs without replacing the built-ins of the service\'s thread (pdfjs polyfills slow them down)', () => {
    // A fresh process, because jest's module sandbox does not show what the polyfills do to a real one.
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(process.cwd(), 'tests/infrastructure/analysis/fixtures/analyzeOnePdf.ts')], {
      env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(JSON.parse(out)).toEqual({ findings: 5, samePush: true, sameJsonParse: true });
  }, 70_000);

  it('rates a report with a value far out of range as high urgency', async () => {
    const analysis = await analyzer.analyze({ bytes: await labReportPdf(['Platelet Count   45,000   /cumm   1,50,000 - 4,50,000']), mimeType: 'application/pdf' });
    expect(analysis.findings).toEqual([{ name: 'Platelet count', value: 45000, unit: '/cumm', flag: 'low' }]);
    expect(analysis.urgency).toBe('high');
  });

  it('a normal report is low urgency with every value normal', async () => {
    const analysis = await analyzer.analyze({ bytes: await labReportPdf(['Hemoglobin 14.2 g/dL', 'Vitamin B12 420 pg/mL', 'Serum Creatinine 0.9 mg/dL']), mimeType: 'application/pdf' });
    expect(analysis.findings.map((f) => f.flag)).toEqual(['normal', 'normal', 'normal']);
    expect(analysis.urgency).toBe('low');
  });

  it.each([['PNG', tinyPng(), 'image/png'], ['JPEG', tinyJpeg(), 'image/jpeg']])('a %s image gets "no text could be read" and no invented findings', async (_, bytes, mimeType) => {
    const analysis = await analyzer.analyze({ bytes, mimeType });
    expect(analysis).toMatchObject({ findings: [], urgency: 'low' });
    expect(analysis.summary).toMatch(/no text could be read/i);
  });

  it('a PDF without text says so and invents nothing', async () => {
    const analysis = await analyzer.analyze({ bytes: await blankPdf(), mimeType: 'application/pdf' });
    expect(analysis).toMatchObject({ findings: [], urgency: 'low' });
    expect(analysis.summary).toMatch(/no text could be read/i);
  });

  it('a corrupt PDF is a failure that retrying cannot fix', async () => {
    const failure = await analyzer.analyze({ bytes: Buffer.from('%PDF-1.7\nthis is not really a pdf'), mimeType: 'application/pdf' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AnalysisError);
    expect(failure).toMatchObject({ retryable: false });
  });
});

describe('the embedded responder', () => {
  const context = {
    title: 'Blood panel',
    analysis: {
      summary: '', urgency: 'medium' as const,
      findings: [
        { name: 'Haemoglobin', value: 10.1, unit: 'g/dL', flag: 'low' as const },
        { name: 'HbA1c', value: 8.2, unit: '%', flag: 'high' as const },
        { name: 'TSH', value: 2.1, unit: 'mIU/L', flag: 'normal' as const },
      ],
    },
  };

  it('explains each flagged value and suggests whom to book', async () => {
    const answer = await analyzer.chat(context, 'What does my report mean?', []);
    expect(answer.reply).toContain('Haemoglobin is low at 10.1 g/dL');
    expect(answer.reply).toContain('HbA1c is high at 8.2 %');
    expect(answer.reply).not.toContain('TSH is');
    expect(answer.reply).toMatch(/booking a consultation with (General Physician|Endocrinology)/);
    expect(answer.reply).toContain(MEDICAL_DISCLAIMER);
    expect(answer).toMatchObject({ urgency: 'medium', suggestBooking: true });
  });

  it('answers about the value asked for', async () => {
    const answer = await analyzer.chat(context, 'Is my TSH okay?', []);
    expect(answer.reply).toContain('TSH is 2.1 mIU/L, within the adult range');
  });

  it('a red flag in the question raises the urgency', async () => {
    const answer = await analyzer.chat(context, 'I also get chest pain when walking, is that related?', []);
    expect(answer.urgency).toBe('high');
    expect(answer.reply).toMatch(/emergency/);
  });

  it('triages symptoms without a report', async () => {
    const answer = await analyzer.chat(null, 'I feel breathless and dizzy', []);
    expect(answer).toMatchObject({ urgency: 'high', suggestBooking: true });
    expect(answer.reply).toContain(MEDICAL_DISCLAIMER);
  });
});
