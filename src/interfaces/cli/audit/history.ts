import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { HistoryEntry } from '../../../application/appointments/appointmentQueries.js';
import { DomainError } from '../../../domain/shared/errors.js';
import type { Actor } from '../../../domain/shared/event.js';
import { buildServices } from '../../../infrastructure/compositionRoot.js';
import { configOrReport, EXIT_CONFIG } from '../cliConfig.js';
import { EXIT_USAGE, type AuditSubcommand } from './subcommand.js';

export function historyLine(e: HistoryEntry): string {
  const { actor, at, correlationId } = e.metadata;
  return `${String(e.position).padStart(8)}  ${at}  #${e.revision}  ${e.type.padEnd(24)}  ${actor.role}:${actor.userId}  correlation ${correlationId}`;
}

/**
 * An appointment's history through the same audit query as `GET /api/audit/appointments/:id/history`,
 * so this read is recorded in the patient's access log too: as an admin (whoever runs this holds the
 * database), named after the operating-system account.
 */
export const historyCommand: AuditSubcommand = {
  name: 'history',
  usage: 'history <appointmentId> [--json]  an appointment\'s events with actor, time and correlation (recorded in the access log)',
  async run(args) {
    const [appointmentId, ...rest] = args;
    const json = rest.length === 1 && rest[0] === '--json';
    if (!appointmentId || appointmentId.startsWith('--') || (rest.length > 0 && !json)) {
      console.error(`Usage: npm run audit -- ${this.usage}`);
      return EXIT_USAGE;
    }
    const config = configOrReport();
    if (!config) return EXIT_CONFIG;
    const services = await buildServices(config);
    const reader: Actor = { userId: `cli:${userInfo().username}`, role: 'admin' };
    try {
      const events = await services.audit.appointmentHistory(appointmentId, reader, { requestId: `cli-${randomUUID()}` });
      console.log(json ? JSON.stringify({ events }, null, 2) : events.map(historyLine).join('\n'));
      return 0;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      console.error(`audit history: ${error.message}`);
      return 1;
    } finally {
      await services.stop();
    }
  },
};
