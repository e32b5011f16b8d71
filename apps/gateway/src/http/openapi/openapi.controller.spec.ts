import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#common';
import { InProcessBus } from '#messaging';
import { startGateway } from '../../gateway.bootstrap.js';
import { gatewayConfigSchema } from '../../gateway.config.js';
import { OpenApiController } from './openapi.controller.js';
import type { OpenApiDocument } from './openapi-document.js';

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `GET /api/services/{name}` for every route the running app's router holds, as Express sees them. */
function routerRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as unknown as { router: { stack: RouterLayer[] } };
  return express.router.stack.flatMap((layer) => {
    if (!layer.route) return [];
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    return Object.keys(layer.route.methods)
      .filter((m) => m !== '_all')
      .flatMap((method) => paths.map((path) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`));
  });
}

function documentRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}

describe(OpenApiController.name, () => {
  const home = mkdtempSync(join(tmpdir(), 'servergem-openapi-'));
  let app: INestApplication;
  let url: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    // The gateway alone: the document is made from its routes, with no service to call.
    const config = loadConfig(gatewayConfigSchema, { SERVERGEM_HOME: home, PORT: '0', HOST: '127.0.0.1' });
    app = await startGateway(config, new InProcessBus(), { shutdownHooks: false, logger: ['error'] });
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const response = await fetch(`${url}/api/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('holds every route the router serves, and nothing else', () => {
    const served = routerRoutes(app).sort();
    expect(served.length).toBeGreaterThan(10);
    expect(documentRoutes(document).sort()).toEqual(served);
  });

  it('documents every route: a summary, its answer, and each path parameter', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).not.toBe('');
        const answers = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
        expect(answers, where).toHaveLength(1);
        expect((answers[0]![1] as { description: string }).description, `${where} has no @Documented()`).not.toMatch(/^Not documented/);
        const named = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(
          (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          where,
        ).toEqual(named);
      }
    }
  });

  it('takes parameters, queries and bodies from the schemas the routes validate with', () => {
    const list = document.paths['/api/deployments']!.get!;
    expect(list.parameters).toContainEqual({ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } });
    const one = document.paths['/api/deployments/{id}']!.get!;
    expect(one.parameters?.[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
    const traffic = document.paths['/api/services/{name}/traffic']!.post!;
    expect(traffic.requestBody?.required).toBe(true);
    expect(traffic.requestBody?.content['application/json']!.schema).toMatchObject({ type: 'object', required: ['splits'] });
    expect(traffic.parameters).toContainEqual(expect.objectContaining({ name: 'target', in: 'query', required: false }));
    // The answer is the reply of the subject the route calls.
    expect(document.paths['/api/deployments']!.get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { type: 'object', required: ['deployments'] } } },
    });
    expect(Object.keys(document.paths['/api/services/{name}/rollback']!.post!.responses)).toContain('200');
  });

  it('says which routes need the token', () => {
    expect(document.security).toEqual([{ accessToken: [] }]);
    expect(document.paths['/health']!.get!.security).toEqual([]);
    expect(document.paths['/api/openapi.json']!.get!.security).toEqual([]);
    expect(document.paths['/api/deployments']!.get!.security).toBeUndefined();
    expect(Object.keys(document.paths['/api/deployments']!.get!.responses)).toContain('401');
  });

  it('has a page to read, with no script and nothing from elsewhere', async () => {
    const response = await fetch(`${url}/api/docs`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).not.toMatch(/<script|https?:\/\/(?!json-schema)/i);
    for (const path of Object.keys(document.paths)) expect(page).toContain(`<code>${path}</code>`);
  });

  it('is behind the front door like every route', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/openapi.json`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});
