export * from './fake-github.js';
export * from './git-fixture.js';
export * from './http.js';
export * from './socket-deploy.js';
export * from './distributed.js';
export * from './git-http-server.js';
export * from './fake-gemini.js';
export * from './temp-app.js';
