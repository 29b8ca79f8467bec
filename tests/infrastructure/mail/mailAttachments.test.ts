import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { DevMailbox } from '../../../src/infrastructure/mail/devMailbox.js';
import { resendMailer } from '../../../src/infrastructure/mail/resendMailer.js';
import { FakeClock } from '../../support/fakeClock.js';
import { startStub, type Stub } from '../../contract/identity/stubServer.js';

const invite = { filename: 'invite.ics', contentType: 'text/calendar; charset=utf-8; method=REQUEST', content: 'BEGIN:VCALENDAR\r\nSUMMARY:Dr. Rao — consultation\r\nEND:VCALENDAR\r\n' };
const message = { to: 'asha@example.com', subject: 'Appointment confirmed', text: 'See you.', idempotencyKey: 'booking-mail:evt-1', attachments: [invite] };

describe('mail attachments', () => {
  let stub: Stub | undefined;
  afterEach(async () => { await stub?.close(); stub = undefined; });

  it('the development mailbox shows each attachment with its text', async () => {
    const mailbox = new DevMailbox(new FakeClock('2030-01-01T00:00:00.000Z'), pino({ level: 'silent' }));
    await mailbox.send(message);
    await mailbox.send({ ...message, idempotencyKey: 'plain', attachments: undefined });
    const [plain, withInvite] = mailbox.list('asha@example.com');
    expect(withInvite.attachments).toEqual([invite]);
    expect(plain).not.toHaveProperty('attachments');
  });

  it('Resend receives the attachment base64-encoded with its file name and content type', async () => {
    stub = await startStub({ status: 200, body: { id: 'email-1' } });
    await resendMailer({ apiKey: 're_test_key', from: 'HealthVision <no-reply@healthvision.dev>', baseUrl: stub.url }).send(message);
    const sent = JSON.parse(stub.requests[0].body.toString()) as { attachments: Array<{ filename: string; content: string; content_type: string }> };
    expect(sent.attachments).toHaveLength(1);
    const [attachment] = sent.attachments;
    expect(attachment.filename).toBe('invite.ics');
    expect(attachment.content_type).toBe(invite.contentType);
    expect(Buffer.from(attachment.content, 'base64').toString('utf8')).toBe(invite.content);
  });

  it('a message without attachments sends none to Resend', async () => {
    stub = await startStub({ status: 200, body: { id: 'email-2' } });
    await resendMailer({ apiKey: 're_test_key', from: 'x@healthvision.dev', baseUrl: stub.url }).send({ ...message, attachments: undefined });
    expect(JSON.parse(stub.requests[0].body.toString())).not.toHaveProperty('attachments');
  });
});
