/** Outbound HTTP for webhooks: one POST, bounded in time, redirects not followed. */
export interface WebhookTransport {
  /**
   * Answers the receiver's status code; throws when no answer came (refused, unreachable, timed out,
   * or an address the policy forbids), with a message fit for the delivery log.
   */
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

/** Which webhook URLs may be called; production refuses private networks unless configured otherwise. */
export interface EndpointAddressPolicy {
  /** Why `url` may not receive webhooks, or null when it may. */
  refusal(url: URL): Promise<string | null>;
}
