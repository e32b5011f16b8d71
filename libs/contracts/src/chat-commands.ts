import { githubReposSubject } from './github.subjects.js';
import {
  deleteServiceSubject,
  listRevisionsSubject,
  listServicesSubject,
  rollbackSubject,
  serviceLogsSubject,
  serviceStateSubject,
  startServiceSubject,
  stopServiceSubject,
  trafficSubject,
} from './runtime.subjects.js';
import { analyzeSubject } from './worker.subjects.js';

/** The longest a chat message's planning takes (every Gemini turn of it together). */
export const CHAT_PLANNING_MS = 12_000;

/** What a chat message's commands ask other services for while the message waits for its reply. */
export const CHAT_COMMAND_SUBJECTS = [
  analyzeSubject,
  githubReposSubject,
  listServicesSubject,
  listRevisionsSubject,
  serviceStateSubject,
  serviceLogsSubject,
  rollbackSubject,
  trafficSubject,
  stopServiceSubject,
  startServiceSubject,
  deleteServiceSubject,
] as const;
