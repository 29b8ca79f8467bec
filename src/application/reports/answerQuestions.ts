import type { Urgency } from '../../domain/reports/labFindings.js';
import { answerQuestion, ensureAnswerable, reportDecider, reportStream, type ReportEvent } from '../../domain/reports/report.js';
import { triageReply, triageSymptoms, withDisclaimer } from '../../domain/reports/symptomTriage.js';
import { DomainError, Forbidden, NotFound } from '../../domain/shared/errors.js';
import { fold } from '../../domain/shared/event.js';
import { handle, type CommandContext } from '../eventSourcing/commandHandler.js';
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
    const events = (await deps.handler.events.readStream(stream)) as unknown as ReportEvent[];
    const report = fold(reportDecider, events);
    if (report.status === 'none') throw new NotFound('Report', reportId);
    const access = await accessTo(deps.reads, ctx.actor, report);
    if (access === 'none') throw new NotFound('Report', reportId);
    if (access !== 'owner') throw new Forbidden('read_only', 'Only the patient can ask questions about this report.');
    ensureAnswerable(report, reportId);

    const uploaded = events.find((e): e is Extract<ReportEvent, { type: 'ReportUploaded' }> => e.type === 'ReportUploaded');
    const history = events
      .filter((e): e is Extract<ReportEvent, { type: 'ReportQuestionAnswered' }> => e.type === 'ReportQuestionAnswered')
      .slice(-REPORT_HISTORY_TURNS)
      .flatMap((e): ChatTurn[] => [{ role: 'user', content: e.data.question }, { role: 'assistant', content: e.data.reply }]);
    const answer = withSafetyFloor(
      await ask(deps, { title: uploaded?.data.title ?? 'Medical report', analysis: report.analysis }, message, history),
      [message],
    );
    await handle(deps.handler, stream, reportDecider, (r) => answerQuestion(r, {
      reportId, question: message, reply: answer.reply, urgency: answer.urgency, now: deps.handler.clock.now().toISOString(),
    }), ctx);
    return { reply: answer.reply, urgency: answer.urgency };
  };
