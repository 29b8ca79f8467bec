import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { reportDecider, reportStream, uploadReport as decideUpload, type ReportMimeType } from '../../domain/reports/report.js';
import { Forbidden } from '../../domain/shared/errors.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { ReportsDeps } from './reportsDeps.js';

export const REPORT_MAX_BYTES = 10 * 1024 * 1024;
export const REPORT_EXTENSIONS: Record<ReportMimeType, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

export interface ReportUpload {
  /** The file as received (spooled to disk by the route): read in chunks, never held whole. */
  file: Blob;
  title?: string;
  /** The client's file name: only a fallback title, never used for storage. */
  clientFileName?: string;
}

export type UploadOutcome =
  | { accepted: true; reportId: string; position: number }
  | { accepted: false; reason: 'unsupported_media_type' | 'too_large' };

/** Enough of a file's start for its signature. */
const SNIFF_BYTES = 4100;

/** What the file is, read from its content; the client's extension and Content-Type count for nothing. */
async function sniff(file: Blob): Promise<ReportMimeType | null> {
  const type = await fileTypeFromBuffer(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  return type && type.mime in REPORT_EXTENSIONS ? (type.mime as ReportMimeType) : null;
}

async function sha256Of(file: Blob): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of file.stream()) hash.update(chunk);
  return hash.digest('hex');
}

/** Printable, bounded, or a neutral default; it is shown back to people, never used as a path. */
function titleOf(upload: ReportUpload): string {
  const clean = (s: string | undefined) => s?.replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, 200) ?? '';
  return clean(upload.title) || clean(upload.clientFileName?.replace(/\.[A-Za-z0-9]{1,5}$/, '')) || 'Medical report';
}

/** A patient's report: checked by content and size, stored under a server-made name, then analysed. */
export const uploadReport = (deps: ReportsDeps) =>
  async (upload: ReportUpload, ctx: CommandContext): Promise<UploadOutcome> => {
    if (ctx.actor.role !== 'patient') throw new Forbidden('patients_only', 'Only patients upload medical reports.');
    if (upload.file.size > REPORT_MAX_BYTES) return { accepted: false, reason: 'too_large' };
    const mimeType = await sniff(upload.file);
    if (!mimeType) return { accepted: false, reason: 'unsupported_media_type' };
    const reportId = deps.handler.ids.next();
    const sha256 = await sha256Of(upload.file);
    const { storageKey } = await deps.storage.put(`${reportId}.${REPORT_EXTENSIONS[mimeType]}`, upload.file, mimeType);
    const result = await handle(deps.handler, reportStream(reportId), reportDecider, (report) => decideUpload(report, {
      reportId,
      patientId: ctx.actor.userId,
      title: titleOf(upload),
      mimeType,
      sizeBytes: upload.file.size,
      sha256,
      storageKey,
      now: deps.handler.clock.now().toISOString(),
    }), ctx);
    return { accepted: true, reportId, position: result.position };
  };
