import {
  consultationDecider, consultationStream, endConsultationByDoctor, endIdleConsultation, joinConsultation, leaveConsultation,
  roleOf, type PartyRole,
} from '../../domain/consultations/consultation.js';
import { systemActor } from '../../domain/shared/event.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import type { ConsultationDeps } from './consultationDeps.js';

const now = (deps: ConsultationDeps) => deps.handler.clock.now().toISOString();

/** Joins the room of an appointment; answers the joiner's role (the appointment decides who may). */
export const joinConsultationRoom = (deps: ConsultationDeps) =>
  async (appointmentId: string, ctx: CommandContext): Promise<{ role: PartyRole; position: number }> => {
    const appointment = await deps.appointments.getAppointment(appointmentId);
    const result = await handle(deps.handler, consultationStream(appointmentId), consultationDecider,
      (state) => joinConsultation(state, { appointment, appointmentId, userId: ctx.actor.userId, now: now(deps) }), ctx);
    return { role: roleOf(result.state, ctx.actor.userId) as PartyRole, position: result.position };
  };

export const leaveConsultationRoom = (deps: ConsultationDeps) =>
  async (appointmentId: string, ctx: CommandContext): Promise<{ position: number }> => {
    const result = await handle(deps.handler, consultationStream(appointmentId), consultationDecider,
      (state) => leaveConsultation(state, { userId: ctx.actor.userId, now: now(deps) }), ctx);
    return { position: result.position };
  };

export const endConsultation = (deps: ConsultationDeps) =>
  async (appointmentId: string, ctx: CommandContext): Promise<{ position: number }> => {
    const result = await handle(deps.handler, consultationStream(appointmentId), consultationDecider,
      (state) => endConsultationByDoctor(state, { userId: ctx.actor.userId, now: now(deps) }), ctx);
    return { position: result.position };
  };

/** The idle timer's job: ends the consultation if both parties are still away (a no-op otherwise). */
export const endIdleConsultationRoom = (deps: ConsultationDeps) =>
  async (appointmentId: string, correlationId: string): Promise<void> => {
    await handle(deps.handler, consultationStream(appointmentId), consultationDecider,
      (state) => endIdleConsultation(state, { now: now(deps) }), { actor: systemActor, correlationId });
  };
