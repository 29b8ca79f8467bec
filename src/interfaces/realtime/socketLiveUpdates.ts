import type { Server } from 'socket.io';
import type { LiveUpdates } from '../../application/ports/liveUpdates.js';

/** Each signed-in socket is in its user's room (`user:{id}`), joined on connection by the signalling handler. */
export const userRoom = (userId: string): string => `user:${userId}`;

/**
 * Live updates through Socket.io rooms. `local`: every instance follows the whole event log and tells
 * its own sockets, so broadcasting across instances through the adapter would deliver each update once
 * per instance. The rooms are still the adapter's, so this holds with the MongoDB adapter too.
 */
export function socketLiveUpdates(io: Server): LiveUpdates {
  return {
    toUsers(userIds, update) {
      const rooms = [...new Set(userIds)].map(userRoom);
      if (rooms.length > 0) io.local.to(rooms).emit(update.event, update.payload);
    },
  };
}
