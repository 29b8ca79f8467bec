import type { Readable } from 'node:stream';
import { NotFound } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';
import type { Filter } from '../ports/readStore.js';
import { accessTo, patientsOf } from './reportAccess.js';
import { REPORTS, type ReportDoc } from './reports.projection.js';
import type { ReportsDeps } from './reportsDeps.js';
import { REPORT_EXTENSIONS } from './uploadReport.js';
import { accessRecorder, type ReadRequest } from '../audit/accessLog.js';

/** Download links are short-lived: long enough to click, too short to be worth sharing. */
export const FILE_LINK_TTL_SECONDS = 300;
const LIST_LIMIT = 200;

export type ReportView =
  | {
    reportId: string; patientId: string; title: string; mimeType: string; sizeBytes: number; uploadedAt: string;
    status: ReportDoc['status']; fileUrl: string; failureReason?: string; analysis?: NonNullable<ReportDoc['analysis']>;
  }
  /** What auditors see: no file, no analysis. */
  | { reportId: string; patientId: string; title: string; mimeType: string; sizeBytes: number; sha256: string; uploadedAt: string; status: ReportDoc['status'] };

export interface ReportListItem {
  reportId: string;
  patientId: string;
  title: string;
  mimeType: string;
  status: ReportDoc['status'];
  uploadedAt: string;
}

export function reportQueries(deps: ReportsDeps) {
  const recordAccess = accessRecorder(deps.handler);
  return {
    async getReport(actor: Actor, reportId: string, read: ReadRequest): Promise<ReportView> {
      const doc = await deps.reads.get<ReportDoc>(REPORTS, reportId);
      const access = doc ? await accessTo(deps.reads, actor, doc) : 'none';
      if (!doc || access === 'none') throw new NotFound('Report', reportId);
      await recordAccess({ reader: actor, patientId: doc.patientId, record: { kind: 'report', id: reportId } }, read);
      const { patientId, title, mimeType, sizeBytes, uploadedAt, status } = doc;
      if (access === 'metadata') return { reportId, patientId, title, mimeType, sizeBytes, sha256: doc.sha256, uploadedAt, status };
      return {
        reportId, patientId, title, mimeType, sizeBytes, uploadedAt, status,
        fileUrl: await deps.storage.signedUrl(doc.storageKey, { mimeType, ttlSeconds: FILE_LINK_TTL_SECONDS }),
        ...(doc.failureReason ? { failureReason: doc.failureReason } : {}),
        ...(doc.analysis ? { analysis: doc.analysis } : {}),
      };
    },

    /** A patient's own reports; a doctor's patients' reports; all of them (as metadata) for auditors. */
    async listReports(actor: Actor): Promise<{ items: ReportListItem[] }> {
      let filter: Filter | null = null;
      if (actor.role === 'patient') filter = { patientId: actor.userId };
      if (actor.role === 'doctor') {
        const patients = await patientsOf(deps.reads, actor.userId);
        if (patients.length === 0) return { items: [] };
        filter = { patientId: { $in: patients } };
      }
      if (actor.role === 'auditor') filter = {};
      if (!filter) return { items: [] };
      const docs = await deps.reads.find<ReportDoc>(REPORTS, filter, { sort: { uploadedAt: -1 }, limit: LIST_LIMIT });
      return { items: docs.map(({ reportId, patientId, title, mimeType, status, uploadedAt }) => ({ reportId, patientId, title, mimeType, status, uploadedAt })) };
    },

    /**
     * The file behind a signed download link (local storage). The link is the authorisation: it was
     * handed only to someone allowed to see the report, and it expires within minutes.
     */
    async openSignedFile(storageKey: string, link: { expires: string; signature: string }): Promise<{ stream: Readable; sizeBytes: number; mimeType: string; downloadName: string } | null> {
      if (!deps.storage.openSigned) return null;
      const opened = await deps.storage.openSigned(storageKey, link);
      if (!opened) return null;
      const [doc] = await deps.reads.find<ReportDoc>(REPORTS, { storageKey }, { limit: 1 });
      if (!doc) {
        opened.stream.destroy();
        return null;
      }
      return { ...opened, mimeType: doc.mimeType, downloadName: `report-${doc.reportId}.${REPORT_EXTENSIONS[doc.mimeType]}` };
    },
  };
}
