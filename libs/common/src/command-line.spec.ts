import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandArgv, composeCommand, parseCommand, quoteWord } from './command-line.js';
import { runProcess } from './run-process.js';

describe(parseCommand.name, () => {
  it.each([
    ['npm run build', ['npm', 'run', 'build']],
    ['node s.js --title="my app"', ['node', 's.js', '--title=my app']],
    [`node -e "console.log('x')"`, ['node', '-e', "console.log('x')"]],
    [`bundle config set --local without 'development test'`, ['bundle', 'config', 'set', '--local', 'without', 'development test']],
    [`gunicorn --bind 0.0.0.0:8000 'app:create_app()'`, ['gunicorn', '--bind', '0.0.0.0:8000', 'app:create_app()']],
  ])('reads %j as a plain argv', (text, argv) => {
    expect(parseCommand(text)).toMatchObject({ argv, env: {}, compound: false });
  });

  it('takes leading assignments as the environment of a plain command', () => {
    expect(parseCommand('MIX_ENV=prod mix compile')).toMatchObject({ env: { MIX_ENV: 'prod' }, argv: ['mix', 'compile'], program: 'mix' });
  });

  it.each([
    ['rake db:migrate && puma', true],
    ['node a.js; node b.js', true],
    ['node a.js | tee log', true],
    ['node a.js &', true],
    ['gunicorn --bind 0.0.0.0:${PORT:-8000} app:app', false],
    ['java $JAVA_OPTS -jar $(ls -1 build/libs/*.jar | grep -v plain)', false],
    ['java -jar target/*.jar', false],
    ['node `id`.js', false],
    ['node "$(id)".js', false],
    ['cat ~/.ssh/id_rsa', false],
    ['node server.js > out.log', false],
    ['node server.js # a comment', false],
    ['node a.js\nnode b.js', true],
    ['gunicorn app:create_app()', true],
    ['x=${', true],
  ])('says %j needs a shell (compound: %s)', (text, compound) => {
    const parsed = parseCommand(text);
    expect(parsed.argv).toBeNull();
    expect(parsed.compound).toBe(compound);
  });

  it('names the program a shell command starts, after its assignments', () => {
    expect(parseCommand('RAILS_ENV=production bundle exec rake db:migrate && puma').program).toBe('bundle');
    expect(parseCommand('$(curl x)').program).toBeNull();
  });
});

describe(commandArgv.name, () => {
  it.each([
    ['node server.js', ['node', 'server.js']],
    ['node s.js --title="my app"', ['node', 's.js', '--title=my app']],
    ['MIX_ENV=prod mix phx.server', ['env', 'MIX_ENV=prod', 'mix', 'phx.server']],
    ['gunicorn --bind 0.0.0.0:${PORT:-8000} app:app', ['sh', '-c', 'exec gunicorn --bind 0.0.0.0:${PORT:-8000} app:app']],
    ['A=1 B="x y" node $APP', ['sh', '-c', 'A=1 B="x y" exec node $APP']],
    ['rake db:migrate && puma', ['sh', '-c', 'rake db:migrate && puma']],
    ['java $JAVA_OPTS -jar $(ls -1 build/libs/*.jar | grep -v plain)', ['sh', '-c', 'exec java $JAVA_OPTS -jar $(ls -1 build/libs/*.jar | grep -v plain)']],
  ])('runs %j as %j', (text, argv) => {
    expect(commandArgv(text)).toEqual(argv);
  });

  const dir = mkdtempSync(join(tmpdir(), 'servergem-argv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs what a shell would, quoting and operators alike', async () => {
    const lines: string[] = [];
    const run = async (text: string) => {
      const [program, ...args] = commandArgv(text);
      return runProcess(program!, args, { cwd: dir, onLine: (l) => lines.push(l) });
    };
    await run(`node -e "console.log(process.argv[1])" -- --title="my app"`);
    await run(`echo one > a.txt && echo two >> a.txt`);
    await run(`GREETING=hi sh -c 'echo $GREETING'`);
    expect(lines).toEqual(['--title=my app', 'hi']);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
  });
});

describe(quoteWord.name, () => {
  it.each(['plain', 'app:create_app()', 'My App.csproj', "it's", '$(touch /tmp/x)', '`id`', 'a && b', '=x', '', 'x;y|z'])(
    '%j reads back as the same single word',
    (word) => {
      expect(parseCommand(`prog ${quoteWord(word)}`).argv).toEqual(['prog', word]);
    },
  );

  it('leaves safe words bare', () => {
    expect(composeCommand(['cargo', 'build', '--release', '--bin', 'my-app_2'])).toBe('cargo build --release --bin my-app_2');
    expect(composeCommand(['gunicorn', 'app:create_app()'])).toBe(`gunicorn 'app:create_app()'`);
  });
});
