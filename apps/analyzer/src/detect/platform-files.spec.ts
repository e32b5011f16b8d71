import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';

const { app, cleanup } = tempApps('servergem-platform-');
afterEach(cleanup);

describe('platform files', () => {
  it('takes GOOGLE_ENTRYPOINT from a buildpacks project.toml as the start command', async () => {
    const sut = await analyzeSource(
      app({
        'requirements.txt': 'flask\ngunicorn\n',
        'main.py': 'from flask import Flask\napp = Flask(__name__)\n',
        'project.toml':
          '[[build.env]]\nname = "GOOGLE_RUNTIME_VERSION"\nvalue = "3.12"\n\n[[build.env]]\nname = "GOOGLE_ENTRYPOINT"\nvalue = "gunicorn -b :$PORT main:app"\n',
      }),
    );
    expect(sut.commands.start).toBe('gunicorn -b :$PORT main:app');
    expect(sut.portFromEnv).toBe(true);
    expect(sut.evidence).toContainEqual({ field: 'commands.start', file: 'project.toml', line: 6, reason: 'project.toml sets GOOGLE_ENTRYPOINT' });
  });

  it('a Procfile still wins over app.yaml', async () => {
    const sut = await analyzeSource(
      app({
        'requirements.txt': 'flask\n',
        'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
        Procfile: 'web: gunicorn app:app\n',
        'app.yaml': 'runtime: python312\nentrypoint: python app.py\n',
      }),
    );
    expect(sut.commands.start).toBe('gunicorn app:app');
  });

  it("adds app.json's env, required unless it has a value, a generator or required: false", async () => {
    const sut = await analyzeSource(
      app({
        'package.json': '{"scripts":{"start":"node index.js"}}',
        'index.js': 'console.log(process.env.LOG_LEVEL ?? "info");\n',
        'app.json': JSON.stringify({
          env: { API_TOKEN: { description: 'x' }, LOG_LEVEL: { value: 'info' }, SECRET: { generator: 'secret' }, OPTIONAL: { required: false } },
        }),
      }),
    );
    expect(sut.env.map((e) => [e.name, e.required])).toEqual([
      ['LOG_LEVEL', false],
      ['API_TOKEN', true],
      ['SECRET', false],
      ['OPTIONAL', false],
    ]);
  });
});
