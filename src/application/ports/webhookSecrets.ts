/**
 * Signing secrets of webhook endpoints. Only a reference is recorded in the endpoint's stream; the
 * secret is derived from it with a server-side key, so the event log (which auditors read) holds none.
 */
export interface WebhookSecrets {
  /** A fresh, unguessable reference for a new endpoint. */
  newReference(): string;
  /** The endpoint's secret: the same for the same endpoint and reference. */
  secretFor(endpointId: string, reference: string): string;
}
