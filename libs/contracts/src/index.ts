export * from './analysis-report.js';
export * from './deployment.js';
export * from './errors.js';
export * from './orchestrator.subjects.js';
export * from './socket-events.js';
export * from './stages.js';
export * from './subject.js';
export * from './worker.subjects.js';
