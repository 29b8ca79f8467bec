import { once } from 'node:events';
import { openAsBlob } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import type { z } from 'zod';
import type { Services } from '../../../infrastructure/compositionRoot.js';
import { REPORT_EXTENSIONS, REPORT_MAX_BYTES } from '../../../application/reports/uploadReport.js';
import { requireAuth, requireRole } from '../auth.middleware.js';
import { commandContext } from '../commandContext.js';
import { readRequest } from '../audit/readRequest.js';
import { idempotentUpload } from '../idempotency.js';
import { multipartBody } from '../multipartBody.js';
import { documentRoute, type RouteDoc } from '../openapi.js';
import { sendProblem } from '../problem.js';
import { validate } from '../validate.js';
import {
  chatAnswerSchema, chatBody, chatbotAnswerSchema, chatbotBody, fileLinkQuery, fileParams, reportIdParams, reportListSchema, reportSchema,
  uploadFields, uploadForm, uploadedSchema,
} from './reports.schemas.js';

/** A client that is slow to finish sending a refused body does not hold the answer forever. */
const DRAIN_TIMEOUT_MS = 30_000;

/** Reads the rest of the request body into nothing, so a refusal reaches a client still uploading instead of a reset. */
async function drain(req: Request): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  req.resume();
  await Promise.race([once(req, 'end'), once(req, 'close'), new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref())]);
}

/** `requireRole('patient')` for an upload: a refused request's body is consumed before the 401/403. */
const patientUpload: RequestHandler = async (req, res, next) => {
  if (req.actor?.role !== 'patient') await drain(req);
  requireRole('patient')(req, res, next);
};

/**
 * One `file` part of at most 10 MiB, spooled to `dir` as it arrives (multer drains the body before a
 * too-large answer, 413); the spooled file is removed once the answer is out, whatever it was.
 */
function receiveFile(dir: string): RequestHandler[] {
  const upload = multipartBody(multer({
    storage: multer.diskStorage({ destination: dir }),
    limits: { fileSize: REPORT_MAX_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
  }).single('file'), REPORT_MAX_BYTES);
  const cleanUp: RequestHandler = (req, res, next) => {
    const spooled = req.file?.path;
    if (spooled) res.on('close', () => { rm(spooled, { force: true }).catch((error: unknown) => req.log?.warn({ err: error }, 'could not remove a spooled upload')); });
    next();
  };
  return [upload, cleanUp];
}

/** Medical reports and the assistant: `/api/reports`, `/api/chatbot`. */
export function reportsRoutes(services: Services): Router {
  const router = Router();
  const { reports, projections } = services;
  const idOf = (req: Request) => (req.valid.params as z.infer<typeof reportIdParams>).id;

  router.post('/api/reports', patientUpload, ...receiveFile(join(services.config.dataDir, 'uploads')), idempotentUpload(services.idempotency, services.clock), validate({ body: uploadFields, bodyTypes: ['multipart/form-data'] }), async (req, res) => {
    if (!req.file) return sendProblem(res, 400, 'file_required', 'Send the report as the multipart field `file`.');
    const { title } = req.valid.body as z.infer<typeof uploadFields>;
    const file = await openAsBlob(req.file.path);
    const outcome = await reports.uploadReport({ file, title, clientFileName: req.file.originalname }, commandContext(req));
    if (!outcome.accepted) {
      return outcome.reason === 'too_large'
        ? sendProblem(res, 413, 'payload_too_large', 'Reports can be at most 10 MiB.')
        : sendProblem(res, 415, 'unsupported_media_type', 'Only PDF, JPEG and PNG files are accepted; the type is read from the content, not the name.');
    }
    await projections.waitFor(outcome.position);
    res.status(201).json({ reportId: outcome.reportId, status: 'analyzing' });
  });

  router.get('/api/reports', requireAuth, async (req, res) => {
    res.json(await reports.listReports(req.actor!));
  });

  // The signed link is the authorisation here (browsers follow links without bearer tokens).
  router.get('/api/reports/files/:name', validate({ params: fileParams, query: fileLinkQuery }), async (req, res) => {
    const { name } = req.valid.params as z.infer<typeof fileParams>;
    const { expires, sig } = req.valid.query as z.infer<typeof fileLinkQuery>;
    const file = await reports.openSignedFile(name, { expires, signature: sig });
    if (!file) return sendProblem(res, 404, 'link_invalid', 'This download link is invalid or has expired; open the report again for a fresh one.');
    res.set({
      'Content-Type': file.mimeType,
      'Content-Length': String(file.sizeBytes),
      'Content-Disposition': `attachment; filename="${file.downloadName}"`,
      'Cache-Control': 'private, no-store',
    });
    await pipeline(file.stream, res);
  });

  router.get('/api/reports/:id', requireAuth, validate({ params: reportIdParams }), async (req, res) => {
    res.json(await reports.getReport(req.actor!, idOf(req), readRequest(req)));
  });

  router.post('/api/reports/:id/chat', requireAuth, validate({ params: reportIdParams, body: chatBody }), async (req, res) => {
    const { message } = req.valid.body as z.infer<typeof chatBody>;
    res.json(await reports.askAboutReport(idOf(req), message, commandContext(req)));
  });

  router.post('/api/chatbot', requireAuth, validate({ body: chatbotBody }), async (req, res) => {
    const { message, history } = req.valid.body as z.infer<typeof chatbotBody>;
    res.json(await reports.chatbot(message, history ?? []));
  });

  const doc = (operationId: string, method: 'get' | 'post', path: string, summary: string, extra: Partial<RouteDoc>) =>
    documentRoute({ method, path, operationId, tags: ['Reports'], auth: true, summary, responses: { 200: reportSchema }, ...extra });
  doc('uploadReport', 'post', '/api/reports', 'Patient: upload a PDF/JPEG/PNG report (≤ 10 MiB, type read from content); analysis starts', {
    multipart: uploadForm, responses: { 201: uploadedSchema }, errors: [400, 403, 413, 415, 503],
  });
  doc('listReports', 'get', '/api/reports', 'Reports visible to me (patient: own; doctor: patients with a confirmed/completed appointment; auditor: metadata)', {
    responses: { 200: reportListSchema },
  });
  doc('getReport', 'get', '/api/reports/{id}', 'One report with a short-lived download link and its analysis (auditors: metadata only)', {
    params: reportIdParams, errors: [404],
  });
  doc('downloadReportFile', 'get', '/api/reports/files/{name}', 'Download a report file through its signed, expiring link (as an attachment)', {
    auth: false, params: fileParams, query: fileLinkQuery, responses: { 200: null }, files: Object.keys(REPORT_EXTENSIONS), errors: [400, 404],
  });
  doc('askAboutReport', 'post', '/api/reports/{id}/chat', 'Patient: ask about an analysed report (409 while analysing)', {
    params: reportIdParams, body: chatBody, responses: { 200: chatAnswerSchema }, errors: [400, 403, 404, 409, 503],
  });
  doc('askChatbot', 'post', '/api/chatbot', 'Symptom triage chat for any signed-in user', {
    body: chatbotBody, responses: { 200: chatbotAnswerSchema }, errors: [400, 503],
  });
  return router;
}
