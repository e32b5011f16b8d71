export * from './command-line.js';
export * from './config.js';
export * from './domain-error.js';
export * from './download-exec.js';
export * from './names.js';
export * from './run-process.js';
export * from './secrets.js';
