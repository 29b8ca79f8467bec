/**
 * The events integrators may subscribe to: a stable, public vocabulary (`appointment.confirmed`),
 * decoupled from the internal event names, which are free to change.
 */
export const INTEGRATION_EVENTS = {
  AppointmentRequested: 'appointment.requested',
  AppointmentConfirmed: 'appointment.confirmed',
  AppointmentExpired: 'appointment.expired',
  AppointmentRescheduled: 'appointment.rescheduled',
  AppointmentCancelled: 'appointment.cancelled',
  AppointmentCompleted: 'appointment.completed',
  AppointmentMissed: 'appointment.missed',
  PaymentCaptured: 'payment.captured',
  PaymentFailed: 'payment.failed',
  RefundIssued: 'payment.refund_issued',
  RefundCompleted: 'payment.refund_completed',
  RefundFailed: 'payment.refund_failed',
  ReportAnalyzed: 'report.analyzed',
} as const;

export type SourceEventType = keyof typeof INTEGRATION_EVENTS;
export type IntegrationEventType = (typeof INTEGRATION_EVENTS)[SourceEventType];
export type IntegrationTopic = 'appointment' | 'payment' | 'report';

export const sourceEventTypes = Object.keys(INTEGRATION_EVENTS) as SourceEventType[];
export const integrationEventTypes = Object.values(INTEGRATION_EVENTS) as IntegrationEventType[];

/** What an endpoint may list in `events`: an exact type or a whole topic (`payment.*`). */
export const subscriptionPatterns: readonly string[] = [
  ...integrationEventTypes, ...[...new Set(integrationEventTypes.map((t) => t.split('.')[0]))].map((topic) => `${topic}.*`),
];

export const integrationEventOf = (sourceType: string): IntegrationEventType | null =>
  (INTEGRATION_EVENTS as Record<string, IntegrationEventType | undefined>)[sourceType] ?? null;

export const topicOf = (type: IntegrationEventType): IntegrationTopic => type.split('.')[0] as IntegrationTopic;

/** Whether an endpoint subscribed to `patterns` wants `type`. */
export function subscribedTo(patterns: readonly string[], type: IntegrationEventType): boolean {
  return patterns.some((p) => p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
