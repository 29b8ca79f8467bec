import type { Decider } from '../shared/event.js';

/**
 * A doctor's private calendar subscription, `calendar-feed-{doctorId}`: at most one live token at a
 * time, stored as its SHA-256 only. Issuing again replaces (rotates) the token; revoking ends it.
 */
export type CalendarFeedEvent =
  | { type: 'CalendarFeedTokenIssued'; data: { doctorId: string; tokenHash: string; at: string } }
  | { type: 'CalendarFeedTokenRevoked'; data: { doctorId: string; at: string } };

export type CalendarFeed = { status: 'none' | 'revoked' } | { status: 'active'; tokenHash: string };

export const calendarFeedStream = (doctorId: string): string => `calendar-feed-${doctorId}`;

export function evolve(_state: CalendarFeed, event: CalendarFeedEvent): CalendarFeed {
  switch (event.type) {
    case 'CalendarFeedTokenIssued': return { status: 'active', tokenHash: event.data.tokenHash };
    case 'CalendarFeedTokenRevoked': return { status: 'revoked' };
  }
}

export const calendarFeedDecider: Decider<CalendarFeed, CalendarFeedEvent> = { initialState: { status: 'none' }, evolve };

export function issueFeedToken(_state: CalendarFeed, cmd: { doctorId: string; tokenHash: string; now: string }): CalendarFeedEvent[] {
  return [{ type: 'CalendarFeedTokenIssued', data: { doctorId: cmd.doctorId, tokenHash: cmd.tokenHash, at: cmd.now } }];
}

/** Revoking a feed with no live token changes nothing (a repeated DELETE). */
export function revokeFeedToken(state: CalendarFeed, cmd: { doctorId: string; now: string }): CalendarFeedEvent[] {
  if (state.status !== 'active') return [];
  return [{ type: 'CalendarFeedTokenRevoked', data: { doctorId: cmd.doctorId, at: cmd.now } }];
}

/** Whether a presented token's hash opens the feed (the caller compares hashes in constant time). */
export const feedTokenHash = (state: CalendarFeed): string | null => (state.status === 'active' ? state.tokenHash : null);
