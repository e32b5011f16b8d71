import 'reflect-metadata';
import { ConsoleLogger, Controller, Logger, Module, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineRequest } from '#contracts';
import { InProcessBus } from '../in-process.transport.js';
import { MessageBus } from '../message-bus.js';
import { MessagingModule } from '../messaging.module.js';
import { startMicroservice } from '../microservice.js';
import { withLogContext } from './log-context.js';
import { JsonLogger, serviceLogger, useLogFormat } from './service-logger.js';

/** What a logger wrote to stdout and stderr while `work` ran, line by line. */
async function written(work: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await work();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

const step = defineRequest({
  subject: `test.logged-step.${Math.random().toString(36).slice(2, 8)}.v1`,
  service: 'builder',
  timeoutMs: 2000,
  request: z.object({ deploymentId: z.string().optional() }),
  response: z.object({ ok: z.boolean() }),
});

@Controller()
class LoggingController {
  private readonly logger = new Logger('Builder');

  @MessagePattern(step.subject)
  async handle(@Payload() _req: unknown) {
    await new Promise((r) => setTimeout(r, 5));
    // After an await and a timer, as real steps log: the context must survive both.
    setTimeout(() => this.logger.warn('a line from a timer'), 0);
    await new Promise((r) => setTimeout(r, 10));
    this.logger.log('building');
    return { ok: true };
  }
}

describe(JsonLogger.name, () => {
  afterEach(() => Logger.overrideLogger(new ConsoleLogger()));

  it('writes one JSON object per line: time, level, context, message, and the deployment when known', async () => {
    const sut = new JsonLogger();
    const lines = await written(() => {
      sut.log('plain', 'Workflow');
      withLogContext({ deploymentId: 'd-1' }, () => sut.warn('first line\nsecond line', 'Builder'));
      sut.error('it broke', 'Error: it broke\n    at somewhere', 'Gateway');
    });
    expect(lines).toHaveLength(3);
    const [plain, warned, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(plain).toMatchObject({ level: 'log', context: 'Workflow', message: 'plain' });
    expect(plain).not.toHaveProperty('deploymentId');
    expect(new Date(plain!.time as string).toISOString()).toBe(plain!.time);
    expect(Object.keys(plain!).slice(0, 4)).toEqual(['time', 'level', 'context', 'message']);
    expect(warned).toMatchObject({ level: 'warn', context: 'Builder', message: 'first line\nsecond line', deploymentId: 'd-1' });
    expect(failed).toMatchObject({ level: 'error', context: 'Gateway', message: 'it broke', stack: expect.stringContaining('at somewhere') });
  });

  it('prints only the levels it is given', async () => {
    const sut = new JsonLogger(['warn', 'error']);
    const lines = await written(() => {
      sut.log('hidden');
      sut.warn('shown');
    });
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['shown']);
  });

  it('is what LOG_FORMAT=json picks; text stays Nest’s own lines', async () => {
    expect(serviceLogger('json')).toBeInstanceOf(JsonLogger);
    const text = serviceLogger('text');
    expect(text).not.toBeInstanceOf(JsonLogger);
    const lines = await written(() => text.log('hello', 'Somewhere'));
    expect(lines.join('\n')).toMatch(/LOG.*\[Somewhere\].*hello/);
  });

  describe('in a service', () => {
    const bus = new InProcessBus();
    let server: INestMicroservice;
    let client: MessageBus;

    beforeAll(async () => {
      @Module({ imports: [MessagingModule.forRoot('builder', { bus })], controllers: [LoggingController] })
      class LoggingModule {}
      server = await startMicroservice({ module: LoggingModule }, 'builder', { bus }, { shutdownHooks: false, logger: useLogFormat('json') });
      client = (await Test.createTestingModule({ imports: [MessagingModule.forRoot('orchestrator', { bus })] }).compile()).get(MessageBus);
      // Compiling a testing module puts Nest's testing logger in place; the service's comes back.
      useLogFormat('json');
    });

    afterAll(async () => {
      await server?.close();
      await client?.onApplicationShutdown();
    });

    it('puts the deployment a message names on every line its handler logs, and none on others', async () => {
      const lines = await written(async () => {
        await client.request(step, { deploymentId: '0b7c1a52-6f1e-4c43-9a55-2f6b8c1d9e01' });
        await client.request(step, {});
        await new Promise((r) => setTimeout(r, 20));
      });
      const records = lines.map((l) => JSON.parse(l) as { message: string; context: string; deploymentId?: string });
      const ours = records.filter((r) => r.context === 'Builder');
      expect(ours.map((r) => [r.message, r.deploymentId])).toEqual(
        expect.arrayContaining([
          ['building', '0b7c1a52-6f1e-4c43-9a55-2f6b8c1d9e01'],
          ['a line from a timer', '0b7c1a52-6f1e-4c43-9a55-2f6b8c1d9e01'],
          ['building', undefined],
          ['a line from a timer', undefined],
        ]),
      );
      expect(ours).toHaveLength(4);
    });
  });
});
