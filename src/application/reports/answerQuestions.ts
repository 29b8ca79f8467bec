import type { Urgency } from '../../domain/reports/labFindings.js';
import { answerQuestion, ensureAnswerable, reportDecider, reportStream, type ReportEvent } from '../../domain/reports/report.js';
import { triageReply, triageSymptoms, withDisclaimer } from '../../domain/reports/symptomTriage.js';
import { DomainError, Forbidden, NotFound } from '../../domain/shared/errors.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
import { loadStream } from '../eventSourcing/snapshots.js';
import type { EventStore } from '../ports/eventStore.js';
import { AnalysisError, type ChatAnswer, type ChatContext, type ChatTurn } from '../ports/reportAnalyzer.js';
import { accessTo } from './reportAccess.js';
import type { ReportsDeps } from './reportsDeps.js';

/** Earlier questions about a report that go along with a new one as conversation history. */
const REPORT_HISTORY_TURNS = 10;

const RANK: Record<Urgency, number> = { low: 0, medium: 1, high: 2 };

/**
 * Whoever answers (the ML service or the embedded responder), the rule-based triage is a floor: a
 * red-flag phrase always yields high urgency, a booking suggestion and emergency advice, and every
 * answer carries the disclaimer.
 */
function withSafetyFloor(answer: ChatAnswer, userTurns: readonly string[]): ChatAnswer {
  const triage = triageSymptoms(userTurns);
  const underRated = RANK[triage.urgency] > RANK[answer.urgency];
  const reply = underRated && triage.redFlags.length > 0 ? `${triageReply(triage)}\n\n${answer.reply}` : answer.reply;
  return {
    reply: withDisclaimer(reply),
    urgency: underRated ? triage.urgency : answer.urgency,
    suggestBooking: answer.suggestBooking || triage.suggestBooking,
  };
}

/**
 * The last questions about a report with their answers, oldest first. Once a report is analysed (it
 * must be, to be asked about) questions are all its stream records, so its last events are the last turns.
 */
async function recentTurns(events: EventStore, stream: string): Promise<ChatTurn[]> {
  const latest = await events.readStream(stream, { direction: 'backwards', maxCount: REPORT_HISTORY_TURNS });
  return latest
    .filter((e) => e.type === 'ReportQuestionAnswered')
    .reverse()
    .flatMap((e): ChatTurn[] => {
      const { question, reply } = e.data as Extract<ReportEvent, { type: 'ReportQuestionAnswered' }>['data'];
      return [{ role: 'user', content: question }, { role: 'assistant', content: reply }];
    });
}

async function ask(deps: ReportsDeps, context: ChatContext | null, message: string, history: readonly ChatTurn[]): Promise<ChatAnswer> {
  try {
    return await deps.analyzer.chat(context, message, history);
  } catch (error) {
    if (!(error instanceof AnalysisError)) throw error;
    throw new DomainError('unavailable', 'assistant_unavailable', 'The assistant cannot answer right now; please try again shortly.');
  }
}

/** The symptom chatbot: stateless, the client sends the conversation so far. */
export const chatbot = (deps: ReportsDeps) =>
  async (message: string, history: readonly ChatTurn[]): Promise<ChatAnswer> => {
    const answer = await ask(deps, null, message, history);
    return withSafetyFloor(answer, [...history.filter((t) => t.role === 'user').map((t) => t.content), message]);
  };

/** A patient's question about their analysed report; the question and answer are recorded. */
export const askAboutReport = (deps: ReportsDeps) =>
  async (reportId: string, message: string, ctx: CommandContext): Promise<{ reply: string; urgency: Urgency }> => {
    const stream = reportStream(reportId);
    const { state: report } = await loadStream(deps.handler, stream, reportDecider, false);
    if (report.status === 'none') throw new NotFound('Report', reportId);
    const access = await accessTo(deps.reads, ctx.actor, report);
    if (access === 'none') throw new NotFound('Report', reportId);
    if (access !== 'owner') throw new Forbidden('read_only', 'Only the patient can ask questions about this report.');
    ensureAnswerable(report, reportId);

    const history = await recentTurns(deps.handler.events, stream);
    const answer = withSafetyFloor(await ask(deps, { title: report.title, analysis: report.analysis }, message, history), [message]);
    await handle(deps.handler, stream, reportDecider, (r) => answerQuestion(r, {
      reportId, question: message, reply: answer.reply, urgency: answer.urgency, now: deps.handler.clock.now().toISOString(),
    }), ctx);
    return { reply: answer.reply, urgency: answer.urgency };
  };
