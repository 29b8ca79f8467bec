import { io as connect, type Socket } from 'socket.io-client';
import type { TestApp } from '../support/testApp.js';
import { startTestServer } from '../support/testApp.js';
import { givenUser, type GivenUser } from '../support/identity.js';
import { givenConfirmedAppointment, givenHold, givenSlots } from '../support/booking.js';

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * Test settings for consultations: STUN points at 127.0.0.1 so that browsers never reach out of the
 * machine (an unanswered STUN server does not stop host candidates from connecting); the clock jumps
 * from one appointment to the next, so tokens live long and bookings need no notice.
 */
export const consultationEnv = { STUN_URLS: 'stun:127.0.0.1:3478', JWT_EXPIRES_IN_SECONDS: String(365 * 24 * 3600), MIN_NOTICE_MINUTES: '0' };

export function startConsultationServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env: { ...consultationEnv, ...env } });
}

/** What the identity and booking test helpers need, from either a TestApp or a listening server. */
type Testbed = Pick<TestServer, 'services' | 'clock'> & { http: TestApp['http'] | TestServer['http'] };
export const asTestApp = (bed: Testbed) => bed as unknown as TestApp;

export const user = (bed: Testbed, role: 'patient' | 'doctor' | 'admin' | 'auditor') => givenUser(asTestApp(bed), { role });

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '09:00', end: '12:00' }));

/** A doctor's published slots for the coming week (six a day), earliest first; appointments take them in order. */
export const givenDoctorSlots = (bed: Testbed, doctor: GivenUser) => givenSlots(asTestApp(bed), doctor, EVERY_DAY, 7);

export interface AppointmentFixture {
  appointmentId: string;
  start: string;
  end: string;
}

/**
 * An appointment of `patient` on the doctor's next free slot, booked and (unless `confirmed` is false)
 * paid through the booking context; the clock then stands 5 minutes before its start.
 */
export async function givenAppointment(bed: Testbed, patient: GivenUser, slots: string[], confirmed = true): Promise<AppointmentFixture> {
  const slotId = slots.shift();
  if (!slotId) throw new Error('the doctor has no free slot left for this test');
  const app = asTestApp(bed);
  const appointmentId = confirmed ? await givenConfirmedAppointment(app, patient, slotId) : await givenHold(app, patient, slotId);
  const appointment = await bed.services.appointments.getAppointment(appointmentId);
  if (!appointment) throw new Error(`appointment ${appointmentId} is not in the read model`);
  bed.clock.set(new Date(Date.parse(appointment.start) - 5 * 60_000));
  return { appointmentId, start: appointment.start, end: appointment.end };
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
