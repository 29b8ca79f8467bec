import { UserNotFound } from '../../domain/identity/user.js';
import { reportStream, type ReportEvent } from '../../domain/reports/report.js';
import { APPOINTMENTS, type AppointmentDoc } from '../appointments/appointments.projection.js';
import { CONSULTATIONS, type ConsultationDoc } from '../consultations/consultations.projection.js';
import type { ReadView } from '../eventSourcing/projection.js';
import { accessLogQueries, type AccessLogEntry } from '../audit/accessLogQueries.js';
import { USERS } from '../identity/users.projection.js';
import { userViewFromDocument } from '../identity/userView.js';
import { PAYMENT_REFUNDS, PAYMENTS, type PaymentDoc, type RefundDoc } from '../payments/payments.projection.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore } from '../ports/eventStore.js';
import type { Document } from '../ports/readStore.js';
import { REPORTS, type ReportDoc } from '../reports/reports.projection.js';
import { WALLET_TRANSACTIONS, WALLETS, type WalletDoc, type WalletTransactionDoc } from '../wallet/wallet.projection.js';

export interface ExportDeps {
  events: EventStore;
  reads: ReadView;
  clock: Clock;
}

export const EXPORT_FORMAT = 'healthvision-personal-data';

/** A read model's document as the person sees it: without the store's bookkeeping. */
function plain<T extends Document>({ id: _id, _position: _p, ...fields }: T & { _position?: unknown }) {
  return fields;
}

const byTime = <T>(key: (item: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

/**
 * Everything the service holds about one signed-in person, in one JSON document (data portability):
 * their profile, appointments (as patient or doctor), payments and refunds, wallet, reports with
 * their analyses and the questions asked about them, their consultations, and who read their records. Read models answer
 * most of it; the chat lives only in the report streams, so it comes from there.
 */
export const exportPersonalData = (deps: ExportDeps) => async (userId: string) => {
  const userDoc = await deps.reads.get(USERS, userId);
  if (!userDoc) throw new UserNotFound();
  const profile = { ...userViewFromDocument(userDoc), email: (userDoc.email as string | null) ?? null, registeredAt: userDoc.registeredAt ?? null };
  const [asPatient, asDoctor] = await Promise.all([
    deps.reads.find<AppointmentDoc>(APPOINTMENTS, { patientId: userId }, { sort: { start: 1 } }),
    deps.reads.find<AppointmentDoc>(APPOINTMENTS, { doctorId: userId }, { sort: { start: 1 } }),
  ]);
  const appointments = [...asPatient, ...asDoctor].sort(byTime((a) => a.start));
  const [payments, refunds, wallet, walletTransactions, reports, consultations] = await Promise.all([
    deps.reads.find<PaymentDoc>(PAYMENTS, { userId }, { sort: { createdAt: 1 } }),
    deps.reads.find<RefundDoc>(PAYMENT_REFUNDS, { userId }, { sort: { issuedAt: 1 } }),
    deps.reads.get<WalletDoc>(WALLETS, userId),
    deps.reads.find<WalletTransactionDoc>(WALLET_TRANSACTIONS, { userId, visible: true }, { sort: { position: 1 } }),
    deps.reads.find<ReportDoc>(REPORTS, { patientId: userId }, { sort: { uploadedAt: 1 } }),
    Promise.all(appointments.map((a) => deps.reads.get<ConsultationDoc>(CONSULTATIONS, a.id))),
  ]);
  return {
    format: EXPORT_FORMAT,
    version: 1,
    exportedAt: deps.clock.now().toISOString(),
    profile,
    appointments: appointments.map((a) => ({ ...plain(a), appointmentId: a.id })),
    payments: payments.map(plain),
    refunds: refunds.map(plain),
    wallet: wallet ? plain(wallet) : null,
    walletTransactions: walletTransactions.map(({ visible: _v, position: _p, ...line }) => plain(line)),
    reports: await Promise.all(reports.map(async ({ storageKey: _key, ...report }) => ({
      ...plain(report), reportId: report.id, chat: await chatAbout(deps.events, report.id),
    }))),
    consultations: consultations.filter((c): c is ConsultationDoc => c !== null).map(plain),
    accessLog: await accessLogOf(deps.reads, userId),
  };
};

/** Who read the person's records (treating doctors, auditors, admins), all pages of it. */
async function accessLogOf(reads: ReadView, patientId: string): Promise<AccessLogEntry[]> {
  const { accessLog } = accessLogQueries(reads);
  const entries: AccessLogEntry[] = [];
  for (let after: number | null = 0; after !== null;) {
    const page: Awaited<ReturnType<typeof accessLog>> = await accessLog({ patientId, after, limit: 200 });
    entries.push(...page.items);
    after = page.next;
  }
  return entries;
}

type Answered = Extract<ReportEvent, { type: 'ReportQuestionAnswered' }>['data'];

async function chatAbout(events: EventStore, reportId: string) {
  return (await events.readStream(reportStream(reportId)))
    .filter((e) => e.type === 'ReportQuestionAnswered')
    .map((e) => { const { question, reply, urgency, answeredAt } = e.data as Answered; return { question, reply, urgency, answeredAt }; });
}

export type PersonalDataExport = Awaited<ReturnType<ReturnType<typeof exportPersonalData>>>;
