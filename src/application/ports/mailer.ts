export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Same key → the message is sent once (Resend's Idempotency-Key; the dev mailbox dedupes too). */
  idempotencyKey: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
