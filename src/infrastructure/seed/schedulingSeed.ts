import type { Services } from '../compositionRoot.js';
import type { SeededUser } from './identitySeed.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The scheduling part of the demo seed: a week of 30-minute slots, mornings and evenings, per doctor. */
export async function seedSlots(services: Services, doctors: SeededUser[], lines: string[]): Promise<void> {
  for (const doctor of doctors) {
    const { published } = await services.scheduling.publishAvailability({
      timezone: 'Asia/Kolkata', slotMinutes: 30, days: 7,
      weekly: WEEKDAYS.flatMap((day) => [{ day, start: '10:00', end: '13:00' }, { day, start: '17:00', end: '19:00' }]),
    }, { actor: { userId: doctor.userId, role: 'doctor' }, correlationId: 'demo-seed' });
    lines.push(`slots    ${doctor.name}: ${published} published for the coming week`);
  }
}
