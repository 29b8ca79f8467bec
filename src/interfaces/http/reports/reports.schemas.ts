import { z } from 'zod';

const STATUS = z.enum(['analyzing', 'analyzed', 'failed']);
const URGENCY = z.enum(['low', 'medium', 'high']);
const message = z.string().trim().min(1, 'Write a message.').max(2000, 'Keep the message under 2,000 characters.');

export const reportIdParams = z.strictObject({ id: z.string().min(1).max(100) });
export const fileParams = z.strictObject({ name: z.string().min(1).max(120) });
export const fileLinkQuery = z.strictObject({ expires: z.string().max(20), sig: z.string().max(100) });
/** The multipart fields besides `file`. */
export const uploadFields = z.strictObject({ title: z.string().trim().max(200).optional() });
export const uploadForm = z.object({ file: z.string().openapi({ format: 'binary' }), title: z.string().max(200).optional() });

export const chatBody = z.strictObject({ message });
export const chatbotBody = z.strictObject({
  message,
  history: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().max(2000) })).max(20).optional(),
});

export const uploadedSchema = z.object({ reportId: z.string(), status: z.literal('analyzing') }).openapi('ReportUploaded');
export const reportListSchema = z.object({
  items: z.array(z.object({ reportId: z.string(), patientId: z.string(), title: z.string(), mimeType: z.string(), status: STATUS, uploadedAt: z.string() })),
}).openapi('ReportList');
export const reportSchema = z.object({
  reportId: z.string(), patientId: z.string(), title: z.string(), mimeType: z.string(), sizeBytes: z.number().int(), uploadedAt: z.string(),
  status: STATUS,
  fileUrl: z.string().optional().openapi({ description: 'Short-lived signed download link; absent for auditors.' }),
  sha256: z.string().optional().openapi({ description: 'Auditors only.' }),
  failureReason: z.string().optional(),
  analysis: z.object({
    summary: z.string(),
    findings: z.array(z.object({ name: z.string(), value: z.number(), unit: z.string().optional(), flag: z.enum(['low', 'normal', 'high']) })),
    urgency: URGENCY,
  }).optional(),
}).openapi('Report');
export const chatAnswerSchema = z.object({ reply: z.string(), urgency: URGENCY }).openapi('ReportChatAnswer');
export const chatbotAnswerSchema = z.object({ reply: z.string(), urgency: URGENCY, suggestBooking: z.boolean() }).openapi('ChatbotAnswer');
