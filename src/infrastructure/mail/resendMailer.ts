import { Resend } from 'resend';
import type { MailMessage, Mailer } from '../../application/ports/mailer.js';

export interface ResendSettings {
  apiKey: string;
  from: string;
  /** Only tests point the SDK elsewhere (a local stub); production uses the SDK's default. */
  baseUrl?: string;
}

/**
 * Real e-mail through Resend. The idempotency key goes to Resend, so a retried send (reactor replay,
 * client retry) is delivered once. Errors name Resend's reason, never the message body.
 */
export function resendMailer(settings: ResendSettings): Mailer {
  const resend = new Resend(settings.apiKey, settings.baseUrl ? { baseUrl: settings.baseUrl } : undefined);
  return {
    async send(message: MailMessage): Promise<void> {
      const { error } = await resend.emails.send(
        { from: settings.from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) },
        { idempotencyKey: message.idempotencyKey },
      );
      if (error) throw new Error(`Resend did not accept the e-mail: ${error.name}${'statusCode' in error ? ` (${String(error.statusCode)})` : ''}`);
    },
  };
}
