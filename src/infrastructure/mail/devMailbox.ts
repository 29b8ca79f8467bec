import type { Clock } from '../../application/ports/clock.js';
import type { MailAttachment, MailMessage, Mailer } from '../../application/ports/mailer.js';
import type { Logger } from '../logger.js';

export interface HeldMail {
  to: string;
  subject: string;
  text: string;
  at: string;
  /** Present when the message had files (calendar invites), with their text. */
  attachments?: MailAttachment[];
}

/** Enough for a development session; older messages fall off so memory stays bounded. */
const KEEP = 500;

/**
 * The development stand-in for e-mail: messages are held in memory and listed at `GET /api/dev/mailbox`.
 * The log line names only recipient and subject — bodies carry one-time codes, which never enter logs.
 */
export class DevMailbox implements Mailer {
  private readonly held: HeldMail[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly clock: Clock, private readonly log: Logger) {}

  async send(message: MailMessage): Promise<void> {
    if (this.seen.has(message.idempotencyKey)) return;
    this.seen.add(message.idempotencyKey);
    this.held.push({
      to: message.to, subject: message.subject, text: message.text, at: this.clock.now().toISOString(),
      ...(message.attachments?.length ? { attachments: message.attachments.map((a) => ({ ...a })) } : {}),
    });
    if (this.held.length > KEEP) this.held.shift();
    this.log.info({ to: message.to, subject: message.subject }, 'e-mail held in the development mailbox (GET /api/dev/mailbox)');
  }

  /** Newest first. */
  list(to?: string): HeldMail[] {
    const wanted = to?.trim().toLowerCase();
    return this.held.filter((m) => !wanted || m.to.toLowerCase() === wanted).reverse();
  }
}
