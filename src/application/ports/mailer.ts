/** A file sent with a message; text content (an iCalendar invite), sent as UTF-8. */
export interface MailAttachment {
  filename: string;
  /** MIME type with parameters, e.g. `text/calendar; charset=utf-8; method=REQUEST`. */
  contentType: string;
  content: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** Same key → the message is sent once (Resend's Idempotency-Key; the dev mailbox dedupes too). */
  idempotencyKey: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
