/**
 * The key store behind crypto-shredding: one secret key per person. Personal fields in events are
 * encrypted with their owner's key; erasing the key makes them unreadable everywhere at once (the
 * event log itself is never rewritten).
 *
 * Semantics every adapter keeps (tests/contract/personalDataKeys.contract.ts):
 * - `keyFor` creates the key on first use and answers the same 32 bytes ever after, also when two
 *   callers race to create it.
 * - After `erase`, the person has no key for good: `keyFor` and `keysOf` answer null for them (new
 *   data about them is not kept; old plaintext about them is shown as forgotten). Erasing twice, or erasing someone who never had a key, is fine.
 */
export interface PersonalDataKeys {
  /** The person's key, created if they have none yet; null once erased. */
  keyFor(ownerId: string): Promise<Buffer | null>;
  /** The keys these people have (never creates one): null for an erased person, absent for one who never had a key. */
  keysOf(ownerIds: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** Destroys the person's key and remembers that it was destroyed. */
  erase(ownerId: string, at: Date): Promise<void>;
}
