import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { TestApp } from '../support/testApp.js';
import { startTestServer } from '../support/testApp.js';
import { givenUser, type GivenUser } from '../support/identity.js';

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** An appointment starting 10 minutes after the fake clock's time, 30 minutes long. */
export const START_IN_MINUTES = 10;
export const LENGTH_MINUTES = 30;

/**
 * The server for consultation tests. STUN points at 127.0.0.1 so that browsers never reach out of
 * the machine; an unanswered STUN server does not stop host candidates from connecting.
 */
export function startConsultationServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env: { STUN_URLS: 'stun:127.0.0.1:3478', ...env } });
}

export const asTestApp = (server: TestServer) => ({ services: server.services, clock: server.clock }) as unknown as TestApp;

export const user = (server: TestServer, role: 'patient' | 'doctor' | 'admin' | 'auditor') =>
  givenUser(asTestApp(server), { role });

export interface AppointmentFixture {
  appointmentId: string;
  start: string;
  end: string;
}

/**
 * An appointment of `patient` with `doctor` in the `appointments` read model, with the given status.
 */
export async function givenAppointment(
  server: Pick<TestServer, 'services' | 'clock'>, patient: GivenUser, doctor: GivenUser, status = 'confirmed',
): Promise<AppointmentFixture> {
  const appointmentId = randomUUID();
  const startMs = server.clock.now().getTime() + START_IN_MINUTES * 60_000;
  const start = new Date(startMs).toISOString();
  const end = new Date(startMs + LENGTH_MINUTES * 60_000).toISOString();
  await server.services.reads.apply([{
    collection: 'appointments', id: appointmentId,
    set: { appointmentId, patientId: patient.userId, doctorId: doctor.userId, slotId: `${doctor.userId}:${start}`, start, end, feePaise: 50_000, status },
  }], 1);
  return { appointmentId, start, end };
}

const WAIT_MS = 3000;

/** A connected client, or the connect_error it was refused with. */
export function client(server: TestServer, token?: string): Socket {
  return connect(server.url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
}

export function connected(socket: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not connected in time')), WAIT_MS);
    socket.once('connect', () => { clearTimeout(timer); resolve(socket); });
    socket.once('connect_error', (e) => { clearTimeout(timer); reject(e); });
  });
}

export function refusal(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither refused nor connected in time')), WAIT_MS);
    socket.once('connect', () => { clearTimeout(timer); reject(new Error('connected although it should be refused')); });
    socket.once('connect_error', (e) => { clearTimeout(timer); resolve(e.message); });
  });
}

export function next<T = unknown>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in time`)), WAIT_MS);
    socket.once(event, (payload: T) => { clearTimeout(timer); resolve(payload); });
  });
}

export interface JoinAnswer {
  ok: boolean;
  peers?: Array<{ userId: string; role: string }>;
  role?: string;
  error?: string;
  message?: string;
}

export function request<T = JoinAnswer>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(WAIT_MS).emitWithAck(event, payload) as Promise<T>;
}

/** Everything a socket receives, to show that nothing arrived. */
export function recorder(socket: Socket): Array<{ event: string; args: unknown[] }> {
  const seen: Array<{ event: string; args: unknown[] }> = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
  return seen;
}

/** A round trip through the server: once it answers, earlier messages from this socket were handled. */
export async function settled(...sockets: Socket[]): Promise<void> {
  await Promise.all(sockets.map((s) => request(s, 'join-room', { appointmentId: 'settle' }).catch(() => null)));
}
