import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { isLoopbackHost, loadConfig } from '#common';
import { analyzerConfigSchema } from '../apps/analyzer/src/analyzer.config.js';
import { builderConfigSchema } from '../apps/builder/src/builder.config.js';
import { deployerConfigSchema } from '../apps/deployer/src/deployer.config.js';
import { assertSafeBinding, gatewayConfigSchema } from '../apps/gateway/src/gateway.config.js';
import { orchestratorConfigSchema } from '../apps/orchestrator/src/orchestrator.config.js';

const root = resolve(import.meta.dirname, '..');
const SCHEMAS: Record<string, z.ZodType> = {
  gateway: gatewayConfigSchema,
  orchestrator: orchestratorConfigSchema,
  analyzer: analyzerConfigSchema,
  builder: builderConfigSchema,
  deployer: deployerConfigSchema,
};
/** What an operator puts in `.env`, as the comment at the top of the file says. */
const DOT_ENV = { SERVERGEM_TOKEN: randomBytes(24).toString('hex'), SERVERGEM_SECRET_KEY: randomBytes(32).toString('hex') };

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  user?: string;
}

/** `docker compose` (plugin) or `docker-compose` (standalone), whichever this machine has. */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}
const compose = composeCommand();

function runCompose(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const [program, ...rest] = compose!;
  // Only what the test gives: not a token or key that happens to be set where the tests run.
  const outside = { ...process.env };
  delete outside.SERVERGEM_TOKEN;
  delete outside.SERVERGEM_SECRET_KEY;
  const result = spawnSync(program!, [...rest, ...args], { cwd: root, env: { ...outside, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, as compose reads them. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => {
    const set = env[name];
    if (set) return set;
    if (kind === '?') throw new Error(`${name}: ${rest}`);
    return kind === '-' ? rest : '';
  });
}

/**
 * The compose file as compose resolves it: its own `config` when the machine has compose,
 * else the YAML read here with its merge keys and variables, the same way.
 */
const cache = new Map<Record<string, string>, Record<string, Service>>();
function resolved(env: Record<string, string> = DOT_ENV): Record<string, Service> {
  if (!cache.has(env)) cache.set(env, resolveNow(env));
  return structuredClone(cache.get(env)!);
}

function resolveNow(env: Record<string, string>): Record<string, Service> {
  if (compose) {
    const result = runCompose(['config'], env);
    if (result.status !== 0) throw new Error(result.stderr);
    return (parseYaml(result.stdout) as { services: Record<string, Service> }).services;
  }
  const file = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const deep = (value: unknown): unknown =>
    typeof value === 'string'
      ? interpolate(value, env)
      : Array.isArray(value)
        ? value.map(deep)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]))
          : value;
  return deep(file.services) as Record<string, Service>;
}

/** `127.0.0.1:9000-9049:9000-9049/tcp` → one `{ hostIp, host, container }` per port. */
function published(service: Service): { hostIp: string; host: number; container: number }[] {
  return (service.ports ?? []).flatMap((spec) => {
    const parts = spec.replace(/\/(tcp|udp)$/, '').split(':');
    const [hostIp, hostPart, containerPart] = parts.length === 3 ? parts : ['0.0.0.0', ...parts];
    const range = (p: string) => p.split('-').map(Number);
    const [h0, h1 = h0] = range(hostPart!);
    const [c0] = range(containerPart!);
    return Array.from({ length: h1! - h0! + 1 }, (_, i) => ({ hostIp: hostIp!, host: h0! + i, container: c0! + i }));
  });
}

/** The `ENV` lines of the Dockerfile's last stage: what every container starts with. */
function imageEnvironment(): Record<string, string> {
  const lastStage = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .split(/^FROM /m)
    .at(-1)!;
  const env: Record<string, string> = {};
  for (const [, line] of lastStage.matchAll(/^ENV (.+)$/gm)) for (const [, k, v] of line!.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  return env;
}

const servergemServices = () => Object.entries(resolved()).filter(([name]) => name in SCHEMAS);

describe('docker-compose.yml', () => {
  it.skipIf(!compose)('is accepted by `compose config`, with every service', () => {
    const [program, ...args] = compose!;
    const services = execFileSync(program!, [...args, 'config', '--services'], { cwd: root, env: { ...process.env, ...DOT_ENV } })
      .toString()
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(services).toEqual(['analyzer', 'builder', 'deployer', 'gateway', 'nats', 'orchestrator', 'postgres']);
  });

  it.skipIf(!compose)('will not start without the access token and the sealing key, and says how to make them', () => {
    for (const missing of ['SERVERGEM_TOKEN', 'SERVERGEM_SECRET_KEY'] as const) {
      const env: Record<string, string> = { ...DOT_ENV };
      delete env[missing];
      const result = runCompose(['config', '--quiet'], env);
      expect(result.status, missing).not.toBe(0);
      expect(result.stderr).toMatch(/openssl rand|long random value/);
    }
  });

  it('gives every ServerGem service an environment its own config schema accepts', () => {
    const services = servergemServices();
    expect(services.map(([name]) => name).sort()).toEqual(Object.keys(SCHEMAS).sort());
    for (const [name, service] of services) {
      const env = { ...imageEnvironment(), ...service.environment };
      expect(() => loadConfig(SCHEMAS[name]!, env), name).not.toThrow();
    }
    // Off loopback the gateway needs its token; a refused binding would stop it at start.
    const gateway = loadConfig(gatewayConfigSchema, { ...imageEnvironment(), ...resolved().gateway!.environment });
    expect(() => assertSafeBinding(gateway)).not.toThrow();
  });

  it('starts each service from a file the build makes', () => {
    const workdir = /^WORKDIR (\S+)$/m.exec(
      readFileSync(join(root, 'Dockerfile'), 'utf8')
        .split(/^FROM /m)
        .at(-1)!,
    )![1]!;
    for (const [name, service] of servergemServices()) {
      expect(service.command?.slice(0, 1), name).toEqual(['node']);
      expect(service.command![1], name).toBe(`dist/apps/${name}/src/main.js`);
      expect(existsSync(join(root, 'apps', name, 'src', 'main.ts')), name).toBe(true);
      // The image copies the build to its WORKDIR, where the command's path is relative to.
      expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain(`COPY --from=build ${workdir}/dist ./dist`);
    }
  });

  it('publishes the gateway on this machine’s loopback, at the port it listens on', () => {
    const gateway = resolved().gateway!;
    expect(published(gateway)).toEqual([{ hostIp: '127.0.0.1', host: 8000, container: Number(gateway.environment!.PORT) }]);
  });

  it('publishes every port of the local target’s range, and reports URLs this machine can open', () => {
    const deployer = resolved().deployer!;
    const config = loadConfig(deployerConfigSchema, { ...imageEnvironment(), ...deployer.environment });
    const range = config.APP_PORT_RANGE!;
    expect(range).toBeDefined();
    const ports = published(deployer);
    expect(ports.map((p) => p.container)).toEqual(Array.from({ length: range.last - range.first + 1 }, (_, i) => range.first + i));
    expect(ports.every((p) => p.host === p.container)).toBe(true);
    // The proxies listen on every address of the container; URLs name the address the ports are published on.
    expect(config.APP_PROXY_HOST).toBe('0.0.0.0');
    expect(new Set(ports.map((p) => p.hostIp))).toEqual(new Set([config.APP_URL_HOST]));
  });

  it('shares the releases between the builder and the deployer, which run as root so apps run as the app user', () => {
    const { builder, deployer } = resolved();
    const sharedDir = imageEnvironment().SERVERGEM_SHARED_DIR!;
    const mountOf = (service: Service) => service.volumes?.map((v) => v.split(':')).find(([, target]) => target === sharedDir)?.[0];
    expect(mountOf(builder!)).toBeDefined();
    expect(mountOf(deployer!)).toBe(mountOf(builder!));
    expect([builder!.user, deployer!.user]).toEqual(['root', 'root']);
    // The deployer keeps its services across a new container.
    expect(deployer!.volumes?.some((v) => v.split(':')[1] === imageEnvironment().SERVERGEM_HOME)).toBe(true);
  });

  it('gives every worker listening for scrapes beyond loopback a metrics token', () => {
    for (const [name, service] of servergemServices()) {
      const env = service.environment ?? {};
      if (name === 'gateway' || !env.METRICS_PORT) continue;
      if (!isLoopbackHost(env.METRICS_HOST ?? '127.0.0.1')) expect(env.METRICS_TOKEN?.length, name).toBeGreaterThanOrEqual(32);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.split(/^FROM /m).at(-1)!;

  it('is a Dockerfile its linter accepts', () => {
    expect(lintDockerfile(dockerfile).filter((d) => d.severity === 1)).toEqual([]);
  });

  it('carries the toolchains the local target builds with: git, Node, Python 3 with venv and pip', () => {
    expect(runtime).toMatch(/^node:\d+/);
    for (const tool of ['git', 'python3', 'python3-venv', 'python3-pip']) expect(runtime).toMatch(new RegExp(`apt-get install[^\\n]*\\s${tool}(\\s|$)`));
    expect(runtime).toMatch(/useradd [^\n]*--uid \d+[^\n]* servergem-app/);
  });

  it('leaves dev tools and the embedded PostgreSQL out of the image', () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional/);
  });

  /** Every package the built services import, walked from their entry files, with `#` imports as package.json maps them. */
  it.skipIf(!existsSync(join(root, 'dist/apps/gateway/src/main.js')))('runs on the production dependencies alone', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      imports: Record<string, { default: string }>;
    };
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      const specifiers = text.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
      );
      for (const [, from, bare, dynamic] of specifiers) {
        const specifier = from ?? bare ?? dynamic;
        if (!specifier) continue;
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
        else if (specifier.startsWith('#')) visit(join(root, manifest.imports[specifier]!.default));
        else if (!builtins.has(specifier)) {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          packages.set(name, file);
        }
      }
    };
    for (const service of Object.keys(SCHEMAS)) visit(join(root, 'dist/apps', service, 'src/main.js'));
    expect(seen.size).toBeGreaterThan(100);
    // The walk sees what the services use: the framework, the database driver, the metrics client.
    for (const used of ['@nestjs/core', 'reflect-metadata', 'typeorm', 'prom-client']) expect([...packages.keys()]).toContain(used);
    const missing = [...packages].filter(([name]) => !(name in manifest.dependencies)).map(([name, from]) => `${name} (from ${from.slice(root.length + 1)})`);
    expect(missing).toEqual([]);
  });
});
