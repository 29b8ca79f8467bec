import type { SlotEvent } from '../../domain/scheduling/slot.js';
import type { Projection } from '../eventSourcing/projection.js';
import type { Write } from '../ports/readStore.js';

export const SLOTS = 'slots';

export type SlotBoardStatus = 'available' | 'held' | 'booked';

/** A row of the slot board; `holdExpiresAt` lets queries show a lapsed hold as available. */
export interface SlotDoc {
  id: string;
  slotId: string;
  doctorId: string;
  start: string;
  end: string;
  feePaise: number;
  status: SlotBoardStatus;
  appointmentId: string | null;
  holdExpiresAt: string | null;
  [field: string]: unknown;
}

/** Every doctor's published slots and whether each is free; withdrawn slots leave the board. */
export const slotBoardProjection: Projection = {
  name: 'slot-board',
  collections: [{ name: SLOTS, indexes: [{ fields: ['doctorId', 'start'] }, { fields: ['status', 'holdExpiresAt'] }] }],
  handles: ['SlotPublished', 'SlotHeld', 'SlotBooked', 'SlotReleased', 'SlotWithdrawn'],
  apply: (recorded): Write[] => {
    const event = { type: recorded.type, data: recorded.data } as SlotEvent;
    const id = event.data.slotId;
    switch (event.type) {
      case 'SlotPublished':
        return [{ collection: SLOTS, id, set: { ...event.data, status: 'available', appointmentId: null, holdExpiresAt: null } }];
      case 'SlotHeld':
        return [{ collection: SLOTS, id, set: { status: 'held', appointmentId: event.data.appointmentId, holdExpiresAt: event.data.expiresAt } }];
      case 'SlotBooked':
        return [{ collection: SLOTS, id, set: { status: 'booked', holdExpiresAt: null } }];
      case 'SlotReleased':
        return [{ collection: SLOTS, id, set: { status: 'available', appointmentId: null, holdExpiresAt: null } }];
      case 'SlotWithdrawn':
        return [{ collection: SLOTS, id, delete: true }];
    }
  },
};
