import type { Server } from 'socket.io';
import type { LiveStatusFeed } from '../../application/integrations/liveStatus.js';
import { socketLiveUpdates, userRoom } from './socketLiveUpdates.js';

/**
 * Live status on the signed-in connection: every socket joins its user's room, and the feed's
 * `appointment-updated` / `payment-updated` go to those rooms (docs/live-status.md).
 */
export function registerLiveStatus(io: Server, feed: Pick<LiveStatusFeed, 'publishTo'>): void {
  io.on('connection', (socket) => {
    void socket.join(userRoom((socket.data as { actor: { userId: string } }).actor.userId));
  });
  feed.publishTo(socketLiveUpdates(io));
}
