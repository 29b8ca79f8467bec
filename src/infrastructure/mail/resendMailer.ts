import { Resend, type ErrorResponse } from 'resend';
import type { MailMessage, Mailer } from '../../application/ports/mailer.js';
import { DomainError } from '../../domain/shared/errors.js';
import { isTransientHttpStatus } from '../http/transientHttpStatus.js';

export interface ResendSettings {
  apiKey: string;
  from: string;
  /** Only tests point the SDK elsewhere (a local stub); production uses the SDK's default. */
  baseUrl?: string;
}

/**
 * Resend's reasons, each as what a retry of the same e-mail can do: a rate limit, a quota, a server
 * error, a concurrent request under the same key or a rejected API key (fixed by an operator) may pass;
 * a message, sender or idempotency key Resend refused will be refused again.
 */
const TRANSIENT_BY_NAME: Record<ErrorResponse['name'], boolean> = {
  rate_limit_exceeded: true, daily_quota_exceeded: true, monthly_quota_exceeded: true, application_error: true, internal_server_error: true,
  concurrent_idempotent_requests: true, missing_api_key: true, invalid_api_key: true, restricted_api_key: true,
  validation_error: false, invalid_idempotency_key: false, invalid_idempotent_request: false, invalid_from_address: false,
  invalid_attachment: false, invalid_access: false, invalid_parameter: false, invalid_region: false, missing_required_field: false,
  not_found: false, method_not_allowed: false, security_error: false,
};

class MailUnavailable extends DomainError {
  constructor(reason: string) {
    super('unavailable', 'mail_unavailable', `Resend could not take the e-mail now: ${reason}`);
  }
}

class MailRefused extends DomainError {
  constructor(reason: string) {
    super('unprocessable', 'mail_refused', `Resend did not accept the e-mail: ${reason}`);
  }
}

/** Resend's error, or whatever stood in for it (a proxy's page, nothing at all): only a known refusal is permanent. */
function mailFailure(error: unknown): DomainError {
  const { name, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as Partial<ErrorResponse>;
  const reason = `${name ?? 'no answer'}${typeof statusCode === 'number' ? ` (${statusCode})` : ''}`;
  const known = typeof name === 'string' ? (TRANSIENT_BY_NAME as Partial<Record<string, boolean>>)[name] : undefined;
  const transient = known ?? (typeof statusCode !== 'number' || isTransientHttpStatus(statusCode));
  return transient ? new MailUnavailable(reason) : new MailRefused(reason);
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
        {
          from: settings.from, to: message.to, subject: message.subject, text: message.text,
          ...(message.html ? { html: message.html } : {}),
          // Resend takes binary content and sends it base64-encoded; the content type keeps an invite's METHOD.
          ...(message.attachments?.length
            ? { attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content, 'utf8') })) }
            : {}),
        },
        { idempotencyKey: message.idempotencyKey },
      );
      if (error) throw mailFailure(error);
    },
  };
}
