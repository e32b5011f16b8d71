export * from './git-fixture.js';
export * from './http.js';
export * from './socket-deploy.js';
