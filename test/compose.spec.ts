import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** `docker compose` (plugin) or `docker-compose` (standalone), whichever this machine has. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

const compose = composeCommand();

describe('docker-compose.yml', () => {
  it.skipIf(!compose)('is accepted by `compose config`, with every service', () => {
    const [program, ...args] = compose!;
    const services = execFileSync(program!, [...args, 'config', '--services'], { cwd: root, env: { ...process.env, SERVERGEM_TOKEN: 'test-token' } })
      .toString()
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(services).toEqual(['analyzer', 'builder', 'deployer', 'gateway', 'nats', 'orchestrator', 'postgres']);
  });
});
