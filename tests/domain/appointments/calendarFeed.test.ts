import { describe, expect, it } from '@jest/globals';
import { calendarFeedDecider, feedTokenHash, issueFeedToken, revokeFeedToken, type CalendarFeedEvent } from '../../../src/domain/appointments/calendarFeed.js';

const now = '2030-01-07T03:30:00.000Z';
const issued = (tokenHash: string): CalendarFeedEvent => ({ type: 'CalendarFeedTokenIssued', data: { doctorId: 'd1', tokenHash, at: now } });
const revoked: CalendarFeedEvent = { type: 'CalendarFeedTokenRevoked', data: { doctorId: 'd1', at: now } };
const stateAfter = (events: CalendarFeedEvent[]) => events.reduce(calendarFeedDecider.evolve, calendarFeedDecider.initialState);

describe('a doctor\'s calendar feed token', () => {
  it.each([
    ['no token yet', [], issued('h1')],
    ['a live token (rotation)', [issued('h0')], issued('h1')],
    ['a revoked token', [issued('h0'), revoked], issued('h1')],
  ])('is issued over %s', (_, given, then) => {
    expect(issueFeedToken(stateAfter(given as CalendarFeedEvent[]), { doctorId: 'd1', tokenHash: 'h1', now })).toEqual([then]);
  });

  it.each([
    ['a live token is revoked', [issued('h0')], [revoked]],
    ['revoking again changes nothing', [issued('h0'), revoked], []],
    ['revoking without a token changes nothing', [], []],
  ])('%s', (_, given, then) => {
    expect(revokeFeedToken(stateAfter(given as CalendarFeedEvent[]), { doctorId: 'd1', now })).toEqual(then);
  });

  it.each([
    ['only the latest token opens the feed', [issued('h0'), issued('h1')], 'h1'],
    ['a revoked feed opens for none', [issued('h0'), revoked], null],
    ['no feed opens for none', [], null],
  ])('%s', (_, given, hash) => {
    expect(feedTokenHash(stateAfter(given as CalendarFeedEvent[]))).toBe(hash);
  });
});
