import express from 'express';
import { readFileSync } from 'node:fs';

const app = express();
const port = Number(process.env.PORT ?? 8080);
const build = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8'));

app.get('/', (_req, res) => {
  res.json({ app: 'node-express', builtAt: build.builtAt, node: process.version });
});

app.get('/health', (_req, res) => res.json({ status: 'ok' }));

app.listen(port, () => {
  console.log(`node-express listening on port ${port}`);
});
