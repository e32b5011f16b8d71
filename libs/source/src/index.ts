export * from './fetch-source.js';
export * from './source-policy.js';
export * from './file-patch.js';
