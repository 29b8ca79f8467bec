import { Worker } from 'node:worker_threads';
import {
  explainFinding, extractFindings, rangeOf, specialisationsFor, summarize, urgencyOf, type Finding, type Urgency,
} from '../../domain/reports/labFindings.js';
import type { ReportAnalysis } from '../../domain/reports/report.js';
import { triageReply, triageSymptoms, withDisclaimer } from '../../domain/reports/symptomTriage.js';
import { AnalysisError, type ChatAnswer, type ChatContext, type ChatTurn, type ReportAnalyzer } from '../../application/ports/reportAnalyzer.js';

const RANK: Record<Urgency, number> = { low: 0, medium: 1, high: 2 };
const higher = (a: Urgency, b: Urgency): Urgency => (RANK[a] >= RANK[b] ? a : b);

const IMAGE_SUMMARY = 'No text could be read from this image: images are stored for your doctor, but the built-in analyzer '
  + 'does not read text from pictures, so no findings were made. Upload the PDF from the lab to have its values read.';
const NO_TEXT_SUMMARY = 'No text could be read from this PDF (it may be a scanned picture), so no findings were made.';

const PDF_READER = new URL('./pdfText.worker.mjs', import.meta.url);
/** A PDF whose text takes longer than this, or more memory than that, is treated as unreadable. */
const PDF_READ_TIMEOUT_MS = 30_000;
const PDF_READ_MEMORY_MB = 256;

/** The PDF's text layer, read in a worker thread of its own (see pdfText.worker.mjs for why). */
function pdfText(bytes: Buffer): Promise<string> {
  const data = new Uint8Array(bytes);
  const worker = new Worker(PDF_READER, {
    workerData: data, transferList: [data.buffer], resourceLimits: { maxOldGenerationSizeMb: PDF_READ_MEMORY_MB },
  });
  return new Promise<string>((resolve, reject) => {
    const unreadable = (reason: string) => {
      clearTimeout(timer);
      reject(new AnalysisError(`The PDF could not be read (${reason}).`, false));
    };
    const timer = setTimeout(() => {
      unreadable(`reading it took longer than ${PDF_READ_TIMEOUT_MS / 1000} s`);
      void worker.terminate();
    }, PDF_READ_TIMEOUT_MS);
    worker.once('message', (answer: { text?: string; error?: string }) => {
      if (answer.error !== undefined) return unreadable(answer.error);
      clearTimeout(timer);
      resolve(answer.text ?? '');
    });
    worker.once('error', (error) => unreadable(error.message));
    // Settling twice is harmless; this only matters if the reader stopped without answering.
    worker.once('exit', (code) => unreadable(`the reader stopped with code ${code}`));
  });
}

/** The findings the question names ("what about my TSH?"), by any of their printed names. */
function mentioned(findings: readonly Finding[], message: string): Finding[] {
  const text = message.toLowerCase();
  return findings.filter((f) => (rangeOf(f)?.aliases ?? [f.name.toLowerCase()])
    .some((alias) => new RegExp(`(?<![a-z0-9])${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`).test(text)));
}

/**
 * The analyzer used when no ML service is configured: lab values read from a PDF's text layer and
 * flagged against the adult reference table, and a rule-based responder for questions. It never
 * invents findings: images and text-less PDFs get an honest "nothing could be read".
 */
export class EmbeddedReportAnalyzer implements ReportAnalyzer {
  async analyze({ bytes, mimeType }: { bytes: Buffer; mimeType: string }): Promise<ReportAnalysis> {
    if (mimeType !== 'application/pdf') return { summary: IMAGE_SUMMARY, findings: [], urgency: 'low' };
    const text = await pdfText(bytes);
    const findings = extractFindings(text);
    if (findings.length === 0 && text.replace(/--\s*\d+ of \d+\s*--/g, '').trim() === '') {
      return { summary: NO_TEXT_SUMMARY, findings: [], urgency: 'low' };
    }
    return { summary: summarize(findings), findings, urgency: urgencyOf(findings) };
  }

  async chat(context: ChatContext | null, message: string, history: readonly ChatTurn[]): Promise<ChatAnswer> {
    const triage = triageSymptoms([...history.filter((t) => t.role === 'user').map((t) => t.content), message]);
    if (!context) return { reply: withDisclaimer(triageReply(triage)), urgency: triage.urgency, suggestBooking: triage.suggestBooking };

    const { findings } = context.analysis;
    const flagged = findings.filter((f) => f.flag !== 'normal');
    const asked = mentioned(findings, message);
    const parts: string[] = [];
    if (triage.redFlags.length > 0) parts.push(triageReply(triage));
    if (asked.length > 0) {
      parts.push(...asked.map(explainFinding));
    } else if (flagged.length > 0) {
      parts.push(`In "${context.title}", ${flagged.length} value(s) are outside the adult reference range:`, ...flagged.map((f) => `- ${explainFinding(f)}`));
    } else if (findings.length > 0) {
      parts.push(`All ${findings.length} value(s) read in "${context.title}" are within adult reference ranges.`);
    } else {
      parts.push(`No lab values could be read from "${context.title}", so I cannot comment on specific results. ${context.analysis.summary}`);
    }
    const specialisations = [...new Set([...specialisationsFor(flagged), ...triage.specialisations])];
    if (specialisations.length > 0) parts.push(`Consider booking a consultation with ${specialisations.join(' or ')} to discuss these results.`);
    const urgency = higher(context.analysis.urgency, triage.urgency);
    return {
      reply: withDisclaimer(parts.join('\n')),
      urgency,
      suggestBooking: flagged.length > 0 || triage.suggestBooking || urgency !== 'low',
    };
  }
}
