import { Inject, Injectable, Optional } from '@nestjs/common';
import { ApiError, GoogleGenAI } from '@google/genai';
import type { AnalysisReport } from '#contracts';
import { ANALYZER_CONFIG, type AnalyzerConfig } from '../analyzer.config.js';
import { SourceTree } from '../detect/source-tree.js';
import { GEMINI_RESPONSE_SCHEMA, SYSTEM_INSTRUCTION, parseGeminiAnswer } from './gemini-answer.js';
import { mergeAdvice } from './merge-advice.js';
import { buildRepoSummary, summaryText } from './repo-summary.js';

export interface GeminiTimings {
  /** One request. */
  attemptTimeoutMs: number;
  /** Every attempt and pause together. */
  totalTimeoutMs: number;
  /** First pause before a retry; doubled each time, with jitter. */
  retryBaseMs: number;
  maxRetries: number;
}

export const GEMINI_TIMINGS = Symbol('GEMINI_TIMINGS');
export const DEFAULT_GEMINI_TIMINGS: GeminiTimings = { attemptTimeoutMs: 30_000, totalTimeoutMs: 60_000, retryBaseMs: 1_000, maxRetries: 2 };

type Outcome = { text: string | undefined } | { problem: string };
type Failure = { retry: boolean; reason: string };

/**
 * Asks Gemini to review the detectors' report. The answer is a proposal: validated values may fill
 * or correct fields, everything else becomes a warning, and any failure leaves the deterministic
 * report as it was (shared/SECURITY.md, "Model output").
 */
@Injectable()
export class GeminiAdvisor {
  private readonly ai: GoogleGenAI | undefined;
  private readonly timings: GeminiTimings;

  constructor(
    @Inject(ANALYZER_CONFIG) private readonly config: AnalyzerConfig,
    @Optional() @Inject(GEMINI_TIMINGS) timings?: GeminiTimings,
  ) {
    this.timings = timings ?? DEFAULT_GEMINI_TIMINGS;
    this.ai = config.GEMINI_API_KEY
      ? new GoogleGenAI({ apiKey: config.GEMINI_API_KEY, ...(config.GEMINI_BASE_URL ? { httpOptions: { baseUrl: config.GEMINI_BASE_URL } } : {}) })
      : undefined;
  }

  get enabled(): boolean {
    return this.ai !== undefined;
  }

  /** The report with Gemini's validated proposals merged in; never throws. */
  async review(root: string, appPath: string, report: AnalysisReport, log: (line: string) => void = () => undefined): Promise<AnalysisReport> {
    if (!this.ai) return report;
    try {
      const summary = await buildRepoSummary(root, appPath, report);
      const text = summaryText(summary);
      const kb = Math.max(1, Math.round(Buffer.byteLength(text) / 1024));
      const withheld = summary.withheld > 0 ? `; ${summary.withheld} secret file${summary.withheld === 1 ? '' : 's'} left out` : '';
      log(`Asked Gemini to review the analysis (${summary.files.length} files, ${kb} KB, no secrets${withheld})`);

      const outcome = await this.ask(this.ai, text);
      const parsed = 'problem' in outcome ? outcome : parseGeminiAnswer(outcome.text);
      if ('problem' in parsed) return fallback(report, parsed.problem, log);

      const tree = (await (await SourceTree.open(root)).sub(appPath)) ?? (await SourceTree.open(root));
      const merged = await mergeAdvice(report, parsed.answer, tree);
      log(
        `Gemini reviewed the analysis: ${merged.evidence.length - report.evidence.length} value(s) accepted, ${merged.warnings.length - report.warnings.length} warning(s)`,
      );
      return merged;
    } catch {
      return fallback(report, 'the review failed unexpectedly', log);
    }
  }

  private async ask(ai: GoogleGenAI, text: string): Promise<Outcome> {
    const deadline = Date.now() + this.timings.totalTimeoutMs;
    let last: Failure = { retry: false, reason: 'Gemini did not answer' };
    for (let attempt = 0; attempt <= this.timings.maxRetries; attempt += 1) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { problem: `${last.reason}; gave up after ${this.timings.totalTimeoutMs / 1000}s` };
      try {
        const response = await ai.models.generateContent({
          model: this.config.GEMINI_MODEL,
          contents: text,
          config: {
            systemInstruction: SYSTEM_INSTRUCTION,
            responseMimeType: 'application/json',
            responseSchema: GEMINI_RESPONSE_SCHEMA,
            temperature: 0.2,
            abortSignal: AbortSignal.timeout(Math.min(this.timings.attemptTimeoutMs, remaining)),
          },
        });
        return { text: response.text };
      } catch (error) {
        last = classify(error);
        if (!last.retry) return { problem: last.reason };
      }
      if (attempt < this.timings.maxRetries) {
        // Exponential backoff with full jitter, never past the overall deadline.
        const pause = this.timings.retryBaseMs * 2 ** attempt * (0.5 + Math.random());
        await sleep(Math.max(0, Math.min(pause, deadline - Date.now())));
      }
    }
    return { problem: `${last.reason}, also after ${this.timings.maxRetries} retries` };
  }
}

function classify(error: unknown): Failure {
  if (error instanceof ApiError) {
    // Status and code only: the body could echo the request back.
    if (error.status === 429 && /quota|billing/i.test(error.message)) return { retry: false, reason: 'the Gemini quota is exhausted (429)' };
    if ([429, 500, 503, 504].includes(error.status)) return { retry: true, reason: `Gemini answered HTTP ${error.status}` };
    return { retry: false, reason: `Gemini refused the request (HTTP ${error.status})` };
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return { retry: true, reason: 'Gemini timed out' };
  return { retry: false, reason: 'Gemini could not be reached' };
}

function fallback(report: AnalysisReport, reason: string, log: (line: string) => void): AnalysisReport {
  log(`Gemini review not used: ${reason}; the detected analysis stands`);
  return { ...report, warnings: [...report.warnings, `Gemini review not used: ${reason}; the detected analysis stands.`] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
