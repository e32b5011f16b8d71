import type { GoogleGenAIOptions } from '@google/genai';
import { CHAT_PLANNING_MS } from '#contracts';
import type { OrchestratorConfig } from '../../orchestrator.config.js';

export interface GeminiSettings {
  model: string;
  client: GoogleGenAIOptions;
  /** Model requests for one message, function calls included. */
  maxTurns: number;
  /** One request. */
  requestTimeoutMs: number;
  /** Every turn of one message together: what the chat request's own timeout allows for planning. */
  totalTimeoutMs: number;
}

export const DEFAULT_MAX_TURNS = 5;

/** Gemini with an API key, or through Vertex AI; null when neither is configured (the deterministic planner runs). */
export function geminiSettings(
  config: OrchestratorConfig,
  overrides: Partial<Pick<GeminiSettings, 'maxTurns' | 'requestTimeoutMs' | 'totalTimeoutMs'>> = {},
): GeminiSettings | null {
  const httpOptions = config.GEMINI_BASE_URL ? { httpOptions: { baseUrl: config.GEMINI_BASE_URL } } : {};
  const common = { model: config.GEMINI_MODEL, maxTurns: DEFAULT_MAX_TURNS, requestTimeoutMs: 8_000, totalTimeoutMs: CHAT_PLANNING_MS, ...overrides };
  if (config.GEMINI_API_KEY) return { ...common, client: { apiKey: config.GEMINI_API_KEY, ...httpOptions } };
  if (config.GOOGLE_GENAI_USE_VERTEXAI && config.GOOGLE_CLOUD_PROJECT) {
    return { ...common, client: { vertexai: true, project: config.GOOGLE_CLOUD_PROJECT, location: config.GOOGLE_CLOUD_LOCATION, ...httpOptions } };
  }
  return null;
}
