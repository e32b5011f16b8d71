import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRequest } from '#contracts';
import { DomainError } from '#common';
import { parsePrometheusText } from '#testing';
import { InProcessBus } from './in-process.transport.js';
import { MessageBus } from './message-bus.js';
import { startMicroservice } from './microservice.js';
import { MessagingModule } from './messaging.module.js';
import { metricsRegistry } from './observability/metrics.js';
import { ZodPipe } from './zod.pipe.js';

const suffix = Math.random().toString(36).slice(2, 8);
const echo = defineRequest({
  subject: `test.echo.${suffix}.v1`,
  service: 'echo service',
  timeoutMs: 2000,
  request: z.object({ text: z.string(), fail: z.boolean().default(false), delayMs: z.number().default(0) }),
  response: z.object({ text: z.string() }),
});
const nobody = defineRequest({ ...echo, subject: `test.nobody.${suffix}.v1`, service: 'builder' });

@Controller()
class EchoController {
  @MessagePattern(echo.subject)
  async echo(@Payload(new ZodPipe(echo.request)) req: z.output<typeof echo.request>) {
    await new Promise((r) => setTimeout(r, req.delayMs));
    if (req.fail) throw new DomainError('BUILD_FAILED', 'It broke.', 'Fix it.', ['last line']);
    if (req.text === '503') throw new DomainError('BUILD_FAILED', 'GET /health 503: no responders', 'Fix the app.', ['GET /health 503']);
    return { text: req.text.toUpperCase() };
  }
}

const transports = [
  ['in-process', undefined],
  ['NATS', process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222'],
] as const;

describe.each(transports)(`${MessageBus.name} over %s`, (_name, natsUrl) => {
  const bus = new InProcessBus();
  let server: INestMicroservice;
  let sut: MessageBus;

  beforeAll(async () => {
    @Module({ imports: [MessagingModule.forRoot('echo', { natsUrl, bus })], controllers: [EchoController] })
    class EchoModule {}
    server = await startMicroservice({ module: EchoModule }, 'echo', { natsUrl, bus }, { shutdownHooks: false, logger: ['error'] });
    const client = await Test.createTestingModule({ imports: [MessagingModule.forRoot('client', { natsUrl, bus })] }).compile();
    sut = client.get(MessageBus);
  });

  afterAll(async () => {
    await server?.close();
    await sut?.onApplicationShutdown();
  });

  it('sends a validated request and returns the validated reply', async () => {
    await expect(sut.request(echo, { text: 'hi' })).resolves.toEqual({ text: 'HI' });
  });

  it('refuses to send a payload that breaks the contract', async () => {
    await expect(sut.request(echo, { text: 42 } as never)).rejects.toThrow();
  });

  it('carries a DomainError across with its code, hint and log lines', async () => {
    const error = (await sut.request(echo, { text: 'x', fail: true }).catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.toWire()).toEqual({ code: 'BUILD_FAILED', message: 'It broke.', hint: 'Fix it.', logs: ['last line'] });
  });

  it('keeps a worker error’s code even when its text looks like “no responders” or 503', async () => {
    const error = (await sut.request(echo, { text: '503' }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.logs).toEqual(['GET /health 503']);
  });

  it('turns a handler that rejects the payload into VALIDATION_FAILED', async () => {
    const loose = defineRequest({ ...echo, request: z.object({ text: z.number() }) });
    const error = (await sut.request(loose, { text: 1 }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('VALIDATION_FAILED');
  });

  it('says which service is unavailable when nobody listens', async () => {
    const error = (await sut.request(nobody, { text: 'x' }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('builder');
  });

  it('turns a slow answer into a TIMEOUT', async () => {
    const error = (await sut.request(echo, { text: 'x', delayMs: 500 }, { timeoutMs: 100 }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('TIMEOUT');
  });

  it('times every request in the registry, by subject and outcome', async () => {
    const counts = async () => {
      const scrape = parsePrometheusText(await metricsRegistry.metrics());
      const count = (subject: string, outcome: string) => scrape.value('servergem_bus_request_duration_seconds_count', { subject, outcome }) ?? 0;
      return [count(echo.subject, 'ok'), count(echo.subject, 'BUILD_FAILED'), count(nobody.subject, 'SERVICE_UNAVAILABLE')];
    };
    const before = await counts();
    await sut.request(echo, { text: 'counted' });
    await sut.request(echo, { text: 'x', fail: true }).catch(() => undefined);
    await sut.request(nobody, { text: 'x' }).catch(() => undefined);
    expect(await counts()).toEqual(before.map((n) => n + 1));
  });
});

describe('NATS namespaces (SERVERGEM_NAMESPACE)', () => {
  const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  const namespace = (name: string) => `t${suffix}${name}`;
  let server: INestMicroservice;
  let sameNamespace: MessageBus;
  let otherNamespace: MessageBus;

  beforeAll(async () => {
    const settings = { natsUrl, namespace: namespace('a') };
    @Module({ imports: [MessagingModule.forRoot('echo', settings)], controllers: [EchoController] })
    class EchoModule {}
    server = await startMicroservice({ module: EchoModule }, 'echo', settings, { shutdownHooks: false, logger: ['error'] });
    const a = await Test.createTestingModule({ imports: [MessagingModule.forRoot('client', settings)] }).compile();
    const b = await Test.createTestingModule({ imports: [MessagingModule.forRoot('client', { natsUrl, namespace: namespace('b') })] }).compile();
    sameNamespace = a.get(MessageBus);
    otherNamespace = b.get(MessageBus);
  });

  afterAll(async () => {
    await server?.close();
    await sameNamespace?.onApplicationShutdown();
    await otherNamespace?.onApplicationShutdown();
  });

  it('reaches the services of its own installation only', async () => {
    await expect(sameNamespace.request(echo, { text: 'hi' })).resolves.toEqual({ text: 'HI' });
    const error = (await otherNamespace.request(echo, { text: 'hi' }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
