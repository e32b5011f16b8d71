import type { AnalysisReport } from '#contracts';

/**
 * The analysis of a plain Node.js app that reads PORT, with nothing to install or build: what a
 * worker fake answers when a test is about the workflow, not the analysis. `overrides` changes fields.
 */
export function nodeAppReport(overrides: Partial<AnalysisReport> = {}): AnalysisReport {
  return {
    language: 'node',
    framework: null,
    runtime: { name: 'node', version: null },
    packageManager: 'npm',
    commands: { install: [], build: [], start: 'npm start' },
    port: 3000,
    portFromEnv: true,
    env: [],
    appPath: '.',
    evidence: [],
    confidence: 1,
    warnings: [],
    services: [],
    ...overrides,
  };
}
