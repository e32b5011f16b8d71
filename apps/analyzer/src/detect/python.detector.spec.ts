import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';
import { PythonDetector } from './python.detector.js';
import { SourceTree } from './source-tree.js';

const { app, cleanup } = tempApps('servergem-python-');
afterEach(cleanup);

describe(PythonDetector.name, () => {
  it('leaves a Node.js app with a helper script to the Node detector', async () => {
    const dir = app({ 'package.json': '{"scripts":{"start":"node index.js"}}', 'index.js': '', 'scripts/seed.py': 'import os\n', 'build.py': 'print(1)\n' });
    expect(await new PythonDetector().matches(await SourceTree.open(dir))).toBe(false);
    expect((await analyzeSource(dir)).language).toBe('node');
    expect(await new PythonDetector().matches(await SourceTree.open(app({ 'go.mod': 'module x\n', 'main.go': 'package main\n', 'run.py': '' })))).toBe(false);
  });

  it('claims a lone bot.py when no other manifest claims the app', async () => {
    const sut = await analyzeSource(app({ 'bot.py': 'print("Hello from bot.py")\n' }));
    expect(sut).toMatchObject({ language: 'python', framework: null, packageManager: 'pip', commands: { install: [], start: 'python bot.py' } });
  });

  it('claims a bare Flask script and warns that nothing installs gunicorn', async () => {
    const sut = await analyzeSource(app({ 'app.py': 'from flask import Flask\n\napp = Flask(__name__)\n' }));
    expect(sut).toMatchObject({
      language: 'python',
      framework: 'flask',
      commands: { install: [], start: 'gunicorn --bind 0.0.0.0:${PORT:-8000} app:app' },
      port: 8000,
      portFromEnv: true,
    });
    expect(sut.evidence.find((e) => e.field === 'framework')).toMatchObject({ file: 'app.py', line: 1, reason: 'imports flask' });
    expect(sut.warnings.join('\n')).toMatch(/gunicorn is not in the dependencies/);
  });

  it('takes the Procfile web process as it is', async () => {
    const sut = await analyzeSource(
      app({
        'requirements.txt': 'flask\ngunicorn\n',
        Procfile: 'web: gunicorn wsgi:app --bind 0.0.0.0:$PORT\n',
        'wsgi.py': 'from flask import Flask\napp = Flask(__name__)\n',
      }),
    );
    expect(sut).toMatchObject({ commands: { start: 'gunicorn wsgi:app --bind 0.0.0.0:$PORT' }, port: null, portFromEnv: true });
    expect(sut.evidence.find((e) => e.field === 'commands.start')).toMatchObject({ file: 'Procfile', line: 1 });
  });

  it('runs a FastAPI app that starts uvicorn itself when uvicorn is not a declared dependency', async () => {
    const sut = await analyzeSource(
      app({
        'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.12,<3.14"\ndependencies = ["fastapi>=0.115"]\n',
        'main.py':
          'import uvicorn\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\nif __name__ == "__main__":\n    uvicorn.run(app, host="0.0.0.0", port=8080)\n',
      }),
    );
    expect(sut).toMatchObject({
      framework: 'fastapi',
      packageManager: 'pip',
      runtime: { name: 'python', version: '3.13' },
      commands: { install: ['pip install .'], start: 'python main.py' },
      port: 8080,
      portFromEnv: false,
    });
  });

  it('ignores build-system requirements when looking for frameworks', async () => {
    const sut = await analyzeSource(
      app({
        'pyproject.toml': '[build-system]\nrequires = ["flask-builder>=1", "setuptools"]\n\n[project]\nname = "tool"\ndependencies = []\n',
        'main.py': 'print("hi")\n',
      }),
    );
    expect(sut).toMatchObject({ framework: null, commands: { start: 'python main.py' }, port: null, portFromEnv: false });
  });

  it('warns when Django has no gunicorn and when a Gradio app binds localhost', async () => {
    const django = await analyzeSource(
      app({
        'requirements.txt': 'django\n',
        'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site1.settings")\n',
        'site1/settings.py': 'SECRET_KEY = "x"\n',
      }),
    );
    expect(django.commands.start).toBe('gunicorn --bind 0.0.0.0:${PORT:-8000} site1.wsgi:application');
    expect(django.warnings.join('\n')).toMatch(/gunicorn is not in the dependencies/);

    const gradio = await analyzeSource(
      app({ 'requirements.txt': 'gradio\n', 'app.py': 'import gradio as gr\n\ngr.Interface(fn=str, inputs="text", outputs="text").launch()\n' }),
    );
    expect(gradio).toMatchObject({ framework: 'gradio', commands: { start: 'python app.py' }, port: 7860 });
    expect(gradio.warnings.join('\n')).toMatch(/GRADIO_SERVER_NAME/);
  });

  it('reads the version from runtime.txt and poetry from [tool.poetry] without a lockfile', async () => {
    const sut = await analyzeSource(
      app({
        'runtime.txt': 'python-3.10.14\n',
        'pyproject.toml': '[tool.poetry]\nname = "bot"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n',
        'bot.py': 'print("bot")\n',
      }),
    );
    expect(sut).toMatchObject({ packageManager: 'poetry', runtime: { version: '3.10.14' }, commands: { start: 'python bot.py' } });
  });
});
