import { Logger } from '@nestjs/common';
import { GoogleGenAI, type Content, type FunctionCall, type GenerateContentResponse, type Part } from '@google/genai';
import type { ChatAction, ChatIntent } from '#contracts';
import { checkCall, COMMAND_NAMES, isCommandName } from '../commands/command-catalog.js';
import type { CommandContext } from '../commands/command-runner.js';
import type { AgentReply, CallOutcome, PlanExecutor } from '../plan-executor.js';
import { maskValues, messageParts } from '../planner/message-parts.js';
import type { AgentTurn, Planner } from '../planner/planner.js';
import { applyFocus, type FocusUpdate } from '../session/chat-focus.js';
import { functionDeclarations } from './function-declarations.js';
import { historyContents, systemInstruction } from './gemini-prompt.js';
import type { GeminiSettings } from './gemini-settings.js';

/** Function calls acted on per model turn; the rest are answered as refused. */
const CALLS_PER_TURN = 4;
/** What of a command's result goes back to the model. */
const RESULT_CHARS = 4000;

interface Run {
  outcomes: CallOutcome[];
  focus: FocusUpdate;
  context: CommandContext;
}

/**
 * Gemini function calling over the command catalog: the model asks for calls, each is validated
 * with the command's own schema and carried out by the same executor as every other plan (a
 * destructive one becomes a button), its result goes back as a `functionResponse`, for a bounded
 * number of turns. When the model fails before anything ran, the deterministic planner answers.
 */
export class GeminiPlanner implements Planner {
  readonly name = 'gemini' as const;
  private readonly logger = new Logger(GeminiPlanner.name);
  private readonly ai: GoogleGenAI;

  constructor(
    private readonly settings: GeminiSettings,
    private readonly executor: PlanExecutor,
    private readonly fallback: Planner,
  ) {
    this.ai = new GoogleGenAI(settings.client);
  }

  async respond(turn: AgentTurn): Promise<AgentReply> {
    const values = new Map(messageParts(turn.message).assignments.map((a) => [a.name, a.value]));
    const contents: Content[] = [...historyContents(turn.history), { role: 'user', parts: [{ text: maskValues(turn.message) }] }];
    const run: Run = { outcomes: [], focus: {}, context: turn.context };
    const tools = [{ functionDeclarations: functionDeclarations() }];
    const instruction = systemInstruction(turn.focus, turn.services);

    const deadline = Date.now() + this.settings.totalTimeoutMs;
    for (let step = 0; step < this.settings.maxTurns; step++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return this.failed(turn, run, 'Gemini took too long');
      let response: GenerateContentResponse;
      try {
        response = await this.ai.models.generateContent({
          model: this.settings.model,
          contents,
          config: {
            systemInstruction: instruction,
            tools,
            temperature: 0.1,
            abortSignal: AbortSignal.timeout(Math.min(this.settings.requestTimeoutMs, remaining)),
          },
        });
      } catch (error) {
        return this.failed(turn, run, describe(error));
      }
      const calls = response.functionCalls ?? [];
      if (!calls.length) {
        const text = textOf(response);
        if (!text) return this.failed(turn, run, 'Gemini returned an empty answer');
        return compose(run, text);
      }
      contents.push(response.candidates?.[0]?.content ?? { role: 'model', parts: calls.map((functionCall) => ({ functionCall })) });
      const answers: Part[] = [];
      for (const [index, call] of calls.entries()) {
        const response =
          index < CALLS_PER_TURN ? await this.call(call, values, run) : { error: `At most ${CALLS_PER_TURN} calls per turn; this one was not run.` };
        answers.push({ functionResponse: { ...(call.id ? { id: call.id } : {}), name: call.name ?? 'unknown', response } });
      }
      contents.push({ role: 'user', parts: answers });
    }
    return compose(
      run,
      `I could not settle what to do within ${this.settings.maxTurns} steps, so I stopped${run.outcomes.length ? ' after what is listed here' : ' and nothing ran'}. Say it in one sentence — for example "deploy https://github.com/owner/repo" or "why did it fail?".`,
      true,
    );
  }

  /** One function call: refused when unknown or malformed, otherwise carried out like any plan. */
  private async call(call: FunctionCall, values: ReadonlyMap<string, string>, run: Run): Promise<Record<string, unknown>> {
    const name = call.name ?? '';
    if (!isCommandName(name)) return { error: `There is no function called "${name.slice(0, 64)}". The functions are: ${COMMAND_NAMES.join(', ')}.` };
    if (call.args !== undefined && (typeof call.args !== 'object' || call.args === null || Array.isArray(call.args))) {
      return { error: 'The arguments must be a JSON object.' };
    }
    const { args, allTyped } = withValues(name, call.args ?? {}, values);
    const checked = checkCall(name, args);
    if ('problems' in checked) return { error: `The arguments are not valid: ${checked.problems.join('; ')}. Fix them or ask the user.` };
    // Values the user typed as NAME=VALUE are their own request, not the model's proposal (and stay out of storage).
    const outcome = await this.executor.perform(checked.call, run.context, 'gemini', !allTyped);
    run.outcomes.push(outcome);
    run.focus = { ...run.focus, ...outcome.reply.focus };
    run.context = { ...run.context, focus: applyFocus(run.context.focus, outcome.reply.focus) };
    if (outcome.status === 'needs_user') {
      return { status: 'needs_user', message: 'Not run: values are typed by the user, never chosen by you. They have been asked to type NAME=value.' };
    }
    if (outcome.status === 'needs_confirmation') {
      return { status: 'needs_confirmation', message: 'Not run: the user now sees a Confirm button and it runs only if they press it. Tell them so.' };
    }
    const result = JSON.stringify(outcome.reply.data);
    return {
      status: outcome.status,
      summary: outcome.reply.content.slice(0, RESULT_CHARS),
      ...(result.length <= RESULT_CHARS ? { result: outcome.reply.data } : {}),
    };
  }

  /** The model failed: before anything ran, the deterministic planner answers instead; after, what ran is reported. */
  private async failed(turn: AgentTurn, run: Run, reason: string): Promise<AgentReply> {
    this.logger.warn(`Gemini planner: ${reason}`);
    if (!run.outcomes.length) {
      const reply = await this.fallback.respond(turn);
      return { ...reply, data: { ...reply.data, plannerFallback: reason } };
    }
    return compose(run, `${reason}, so I stopped after what is listed here.`, true);
  }
}

/** The reply: the model's words, the buttons and deployment of what ran, and the intent of the last call. */
function compose(run: Run, text: string, stopped = false): AgentReply {
  const outcomes = run.outcomes;
  const last = outcomes.at(-1);
  const actions: ChatAction[] = outcomes.flatMap((o) => o.reply.actions);
  const deploymentId = [...outcomes].reverse().find((o) => o.reply.deploymentId)?.reply.deploymentId;
  const intent: ChatIntent = last
    ? { ...last.reply.intent, planner: 'gemini' }
    : { kind: stopped || /\?\s*$/.test(text) ? 'clarify' : 'help', planner: 'gemini' };
  const content = stopped && outcomes.length ? [text, '', ...outcomes.map((o) => o.reply.content)].join('\n') : text;
  return {
    content,
    actions,
    intent,
    data: { ...(last?.reply.data ?? {}), calls: outcomes.map((o) => ({ kind: o.reply.intent.kind, status: o.status })) },
    ...(deploymentId ? { deploymentId } : {}),
    focus: run.focus,
  };
}

/** `$NAME` placeholders in set_env stand for the values the user typed, which the model never saw. */
function withValues(name: string, args: object, values: ReadonlyMap<string, string>): { args: unknown; allTyped: boolean } {
  if (name !== 'set_env') return { args, allTyped: false };
  const input = args as { env?: Record<string, unknown> };
  if (!input.env || typeof input.env !== 'object') return { args, allTyped: false };
  let allTyped = true;
  const env = Object.fromEntries(
    Object.entries(input.env).map(([key, value]) => {
      const typed = value === `$${key}` && values.has(key);
      if (!typed) allTyped = false;
      return [key, typed ? values.get(key) : value];
    }),
  );
  return { args: { ...input, env }, allTyped: allTyped && Object.keys(env).length > 0 };
}

function textOf(response: GenerateContentResponse): string {
  return (response.candidates?.[0]?.content?.parts ?? [])
    .map((p) => (typeof p.text === 'string' && !p.thought ? p.text : ''))
    .join('')
    .trim();
}

function describe(error: unknown): string {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'Gemini timed out';
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? `Gemini answered HTTP ${status}` : 'Gemini could not be reached';
}
