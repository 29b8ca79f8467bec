import type { Actor } from './event.js';

/**
 * Which fields of an event are personal data and whose they are. Each bounded context lists its
 * events next to their definitions; the event store encrypts these fields with the owner's key, so
 * erasing that key forgets them everywhere while the event itself (and its hash) stays.
 */
export interface PersonalField {
  /** Dot-separated path into the event's data. */
  path: string;
  /** What readers see once the owner's key is erased (or the value cannot be decrypted). */
  forgotten: unknown;
}

export interface PersonalDataRule {
  type: string;
  /** Whose data the fields are: a user id, or null when nobody's (then nothing is encrypted). */
  owner(data: Record<string, unknown>, actor: Actor): string | null;
  fields: readonly PersonalField[];
}

/** What a forgotten person's name reads as. */
export const FORGOTTEN_NAME = 'Forgotten user';
