export * from './in-process.transport.js';
export * from './message-bus.js';
export * from './messaging.module.js';
export * from './progress-reporter.js';
export * from './rpc-error.filter.js';
export * from './transport.js';
export * from './zod.pipe.js';
export * from './microservice.js';
