import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, getText, TEST_DATABASE_URL, uniqueSchema } from '#testing';
import { removeInstallation } from './stop-local-apps.js';
import { startAllInOne, type AllInOne } from '../../apps/cli/src/all-in-one.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'bin/servergem.js');
const run = promisify(execFile);

describe('servergem deploy on a terminal and off one', () => {
  const schema = uniqueSchema('e2e_cli_tty');
  let home: string;
  let server: AllInOne;
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_TOKEN: server.token, COLUMNS: '100', TERM: 'xterm' });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'servergem-cli-tty-'));
    server = await startAllInOne(
      { PATH: process.env.PATH, HOME: process.env.HOME, SERVERGEM_HOME: home, PORT: '0', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
      () => undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await removeInstallation(home);
    await dropSchema(schema);
  });

  it('on a terminal, keeps a status line redrawn in place and ends with the time per stage and the URL', async () => {
    // `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const command = [process.execPath, cli, 'deploy', 'examples/node-hello', '--server', server.url].map((a) => `'${a}'`).join(' ');
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: root, env: env(), timeout: 120_000 });
    expect(stdout).toContain('\r\x1b[2K');
    expect(stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (building|deploying|verifying) · \d+\.\d s/);
    expect(stdout).toContain('node-hello listening on port');
    const plain = stdout.replace(/\r\n/g, '\n');
    expect(plain).toMatch(/Time per stage\n( {2}\w+ +[\d.]+ s\n)+ {2}total +[\d.]+ s\n/);
    const url = plain.trim().split('\n').at(-1)!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getText(url)).status).toBe(200);
  }, 120_000);

  it('off a terminal, prints plain lines with no cursor moves, and the same summary', async () => {
    const { stdout } = await run(process.execPath, [cli, 'deploy', 'examples/node-hello', '--server', server.url], { cwd: root, env: env(), timeout: 120_000 });
    expect(stdout).not.toContain('\r');
    expect(stdout).not.toContain('\x1b[2K');
    expect(stdout).toContain('\n▸ building');
    expect(stdout).toMatch(/Time per stage\n( {2}\w+ +[\d.]+ s\n)+ {2}total +[\d.]+ s\n/);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 120_000);

  it('with --json prints only JSON objects, each update with its time', async () => {
    const { stdout } = await run(process.execPath, [cli, 'deploy', 'examples/node-hello', '--server', server.url, '--json'], {
      cwd: root,
      env: env(),
      timeout: 120_000,
    });
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { at?: string } });
    expect(events.at(-1)!.type).toBe('deployment_complete');
    const updates = events.filter((e) => e.type === 'deployment_update');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((u) => !Number.isNaN(Date.parse(u.data.at!)))).toBe(true);
  }, 120_000);
});
