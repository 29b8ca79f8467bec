import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { ConsultationsModule } from '../../application/consultations/consultations.module.js';
import type { Clock } from '../../application/ports/clock.js';
import type { CommandContext } from '../../application/eventSourcing/commandHandler.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { Actor } from '../../domain/shared/event.js';
import type { Logger } from '../../infrastructure/logger.js';
import { TokenBucket } from './tokenBucket.js';
import { userRoom } from './socketLiveUpdates.js';

export interface SignallingDeps {
  consultations: Pick<ConsultationsModule, 'join' | 'leave' | 'end'>;
  clock: Clock;
  log: Logger;
}

/** A signalling message (SDP, candidates, simple-peer data) is a few kB; 64 kB leaves ample room. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Per socket: a burst of 60 messages (a negotiation with many candidates), then 20 a second. */
export const RATE_BURST = 60;
export const RATE_PER_SECOND = 20;

const appointmentId = z.string().min(1).max(100);
const sessionDescription = z.union([
  z.string(),
  z.strictObject({ type: z.enum(['offer', 'answer', 'pranswer', 'rollback']), sdp: z.string().optional() }),
]);
const iceCandidate = z.strictObject({
  candidate: z.string(),
  sdpMid: z.string().nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).nullable().optional(),
  usernameFragment: z.string().nullable().optional(),
});
const roomMessage = z.strictObject({ appointmentId });
const relayed = {
  signal: z.strictObject({ appointmentId, data: z.unknown().refine((d) => d !== undefined, 'data is required') }),
  offer: z.strictObject({ appointmentId, sdp: sessionDescription }),
  answer: z.strictObject({ appointmentId, sdp: sessionDescription }),
  // null marks the end of candidates, as RTCPeerConnection reports it; some clients send only the candidate line.
  'ice-candidate': z.strictObject({ appointmentId, candidate: z.union([iceCandidate, z.string()]).nullable() }),
} as const;

type Ack = (answer: unknown) => void;
/** `details` carries a refusal's data for clients, e.g. the join window's `opensAt`/`closesAt`. */
type Refusal = { code: string; message: string; details?: Record<string, unknown> };

const roomOf = (id: string) => `consultation:${id}`;

/** When a socket joined a room: clock time, then a per-instance sequence, then the socket id (a total order). */
type JoinStamp = [number, number, string];

/** What each socket carries, visible to every instance through `fetchSockets()`. */
interface RoomSocketData {
  actor: Actor;
  joined?: Record<string, JoinStamp>;
}

const stampIn = (data: RoomSocketData, id: string, socketId: string): JoinStamp => data.joined?.[id] ?? [0, 0, socketId];
const laterJoin = (a: JoinStamp, b: JoinStamp) => (a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2])) > 0;

class Refused extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(payload ?? null));
  } catch {
    throw new Refused('invalid_payload', 'The payload is not JSON.');
  }
  if (size > MAX_PAYLOAD_BYTES) throw new Refused('payload_too_large', `Signalling payloads are limited to ${MAX_PAYLOAD_BYTES} bytes.`);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new Refused('invalid_payload', parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/**
 * WebRTC signalling for video consultations. A room is an appointment; only its patient and doctor
 * get in (the consultations module decides), one socket each — a newer tab replaces an older one.
 * Messages go to the other party only, never back to the sender's own sockets.
 */
export function registerSignalling(io: Server, deps: SignallingDeps): void {
  const log = deps.log.child({ component: 'signalling' });
  let sequence = 0;

  /** Everything a client sends is checked here: failures answer the sender and never escape. */
  const refusal = (error: unknown, event: string, socket: Socket): Refusal => {
    if (error instanceof Refused) return { code: error.code, message: error.message };
    if (error instanceof DomainError) return { code: error.code, message: error.message, details: error.details };
    log.error({ err: error, event, socketId: socket.id }, 'signalling handler failed');
    return { code: 'internal_error', message: 'Something went wrong on our side; please retry.' };
  };

  io.on('connection', (socket: Socket) => {
    const data = socket.data as RoomSocketData;
    const { actor } = data;
    const ctx: CommandContext = { actor, correlationId: socket.id };
    const bucket = new TokenBucket(RATE_BURST, RATE_PER_SECOND, () => deps.clock.now().getTime());
    void socket.join(userRoom(actor.userId));

    socket.use(([event, ...args], next) => {
      if (bucket.take()) return next();
      const refused = { code: 'rate_limited', message: 'Too many signalling messages; slow down.' };
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as Ack)({ ok: false, error: refused.code, message: refused.message });
      else socket.emit('error', { event, ...refused });
    });

    const on = (event: string, run: (payload: unknown) => Promise<unknown>) => {
      socket.on(event, async (...args: unknown[]) => {
        // Socket.io puts the acknowledgement last, after however many arguments the client sent.
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : null;
        try {
          if (args.length > 1) throw new Refused('invalid_payload', 'Send exactly one payload per message.');
          const answer = await run(args[0]);
          ack?.({ ok: true, ...(answer as object | undefined) });
        } catch (error) {
          const { code, message, details } = refusal(error, event, socket);
          if (ack) ack({ ...details, ok: false, error: code, message });
          else socket.emit('error', { ...details, event, code, message });
        }
      });
    };

    /** Everyone in a room, on any instance (through the adapter). */
    const inRoom = async (id: string) => (await io.in(roomOf(id)).fetchSockets())
      .map((s) => ({ socket: s, data: s.data as RoomSocketData }));

    on('join-room', async (payload) => {
      const { appointmentId: id } = parse(roomMessage, payload);
      const { role } = await deps.consultations.join(id, ctx);
      data.joined = { ...data.joined, [id]: [deps.clock.now().getTime(), (sequence += 1), socket.id] };
      await socket.join(roomOf(id));
      // Gone while the join was being recorded: record the departure too, unless another tab is in.
      if (socket.disconnected) {
        await leave(id);
        throw new Refused('disconnected', 'The connection closed during the join.');
      }
      // Decided after joining, so two tabs joining at once still end with one: the later join wins.
      const present = await inRoom(id);
      const tabs = present.filter((p) => p.data.actor.userId === actor.userId);
      const newest = tabs.reduce((a, b) => (laterJoin(stampIn(a.data, id, a.socket.id), stampIn(b.data, id, b.socket.id)) ? a : b));
      for (const tab of tabs) {
        if (tab.socket.id === newest.socket.id) continue;
        tab.socket.emit('error', { event: 'join-room', code: 'replaced', message: 'This consultation was opened in another tab.' });
        tab.socket.disconnect(true);
      }
      if (newest.socket.id !== socket.id) throw new Refused('replaced', 'This consultation was opened in another tab.');
      socket.to(roomOf(id)).except(userRoom(actor.userId)).emit('peer-joined', { userId: actor.userId, role });
      const peers = present.filter((p) => p.data.actor.userId !== actor.userId).map((p) => ({ userId: p.data.actor.userId, role: p.data.actor.role }));
      return { appointmentId: id, role, peers };
    });

    for (const [event, schema] of Object.entries(relayed)) {
      on(event, async (payload) => {
        const message = parse(schema as z.ZodType<{ appointmentId: string }>, payload);
        if (!socket.rooms.has(roomOf(message.appointmentId))) throw new Refused('not_in_room', 'Join the room before signalling.');
        const { appointmentId: id, ...rest } = message;
        const out = event === 'signal' ? { from: actor.userId, data: (rest as { data: unknown }).data } : { from: actor.userId, appointmentId: id, ...rest };
        socket.to(roomOf(id)).except(userRoom(actor.userId)).emit(event, out);
      });
    }

    /** Leaves a room; the party has left only when no other tab of theirs is still in it. */
    const leave = async (id: string) => {
      await socket.leave(roomOf(id));
      const others = (await inRoom(id)).filter((p) => p.socket.id !== socket.id);
      if (others.some((p) => p.data.actor.userId === actor.userId)) return;
      io.to(roomOf(id)).emit('peer-left', { userId: actor.userId });
      await deps.consultations.leave(id, ctx);
    };

    on('leave-room', async (payload) => {
      const { appointmentId: id } = parse(roomMessage, payload);
      if (!socket.rooms.has(roomOf(id))) throw new Refused('not_in_room', 'You are not in this room.');
      await leave(id);
      return { appointmentId: id };
    });

    on('end-room', async (payload) => {
      const { appointmentId: id } = parse(roomMessage, payload);
      await deps.consultations.end(id, ctx);
      io.to(roomOf(id)).emit('room-ended', { appointmentId: id, by: 'doctor' });
      io.in(roomOf(id)).socketsLeave(roomOf(id));
      return { appointmentId: id };
    });

    socket.on('disconnecting', () => {
      const rooms = [...socket.rooms].filter((r) => r.startsWith('consultation:')).map((r) => r.slice('consultation:'.length));
      for (const id of rooms) {
        leave(id).catch((error: unknown) => log.error({ err: error, appointmentId: id }, 'recording a disconnect failed'));
      }
    });
  });
}
