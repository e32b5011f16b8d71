// A real build step: records when and with which Node.js the app was built.
import { writeFileSync } from 'node:fs';

const info = { builtAt: new Date().toISOString(), node: process.version };
writeFileSync(new URL('../build-info.json', import.meta.url), JSON.stringify(info, null, 2));
console.log(`wrote build-info.json (${info.node})`);
