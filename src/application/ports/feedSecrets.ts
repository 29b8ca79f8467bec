/** Unguessable secrets for subscription links (calendar feeds); a CSPRNG in production. */
export interface FeedSecrets {
  /** At least 256 bits, URL-safe. */
  generate(): string;
}
