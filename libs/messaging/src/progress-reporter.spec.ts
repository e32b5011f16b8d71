import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MessageBus } from './message-bus.js';
import { ProgressReporter } from './progress-reporter.js';

interface Sent {
  stage: string;
  message: string;
  logs: string[];
}

/** A bus whose progress requests are answered when the test says so. */
function slowBus() {
  const sent: Sent[] = [];
  const answers: (() => void)[] = [];
  const bus = {
    request: (_def: unknown, payload: Sent) => {
      sent.push(payload);
      return new Promise((done) => answers.push(() => done({ seq: sent.length })));
    },
  } as unknown as MessageBus;
  const answer = async () => {
    answers.shift()?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { bus, sent, answer };
}

const tick = () => new Promise((r) => setImmediate(r));

describe(ProgressReporter.name, () => {
  it('sends a line at once when nothing is in flight, and gathers the next while one is', async () => {
    const { bus, sent, answer } = slowBus();
    const sut = new ProgressReporter(bus, randomUUID(), 'building');
    sut.log('first');
    await tick();
    expect(sent.map((s) => s.logs)).toEqual([['first']]);
    sut.log('second');
    sut.log('third');
    await tick();
    expect(sent).toHaveLength(1);
    await answer();
    expect(sent.map((s) => s.logs)).toEqual([['first'], ['second', 'third']]);
    await answer();
    const flushed = sut.flush();
    await expect(flushed).resolves.toBeUndefined();
  });

  it('sends the lines of one chunk of output together', async () => {
    const { bus, sent } = slowBus();
    const sut = new ProgressReporter(bus, randomUUID(), 'building');
    for (const line of ['a', 'b', 'c']) sut.logLine(line);
    await tick();
    expect(sent.map((s) => s.logs)).toEqual([['a', 'b', 'c']]);
  });

  it('caps a batch at 1000 lines and keeps steps and lines in the order they were said', async () => {
    const { bus, sent, answer } = slowBus();
    const sut = new ProgressReporter(bus, randomUUID(), 'building');
    sut.log('x');
    await tick();
    for (let i = 0; i < 1500; i++) sut.log(`line ${i}`);
    sut.step('deploying', 'Starting');
    sut.log('after');
    const flushed = sut.flush();
    for (let i = 0; i < 5; i++) await answer();
    await flushed;
    expect(sent.map((s) => [s.stage, s.message, s.logs.length])).toEqual([
      ['building', '', 1],
      ['building', '', 1000],
      ['building', '', 500],
      ['deploying', 'Starting', 0],
      ['deploying', '', 1],
    ]);
    expect(sent.flatMap((s) => s.logs).slice(1, 1501)).toEqual(Array.from({ length: 1500 }, (_, i) => `line ${i}`));
  });

  it('reports a failed request on flush and still sends what follows', async () => {
    const sent: Sent[] = [];
    const bus = {
      request: async (_def: unknown, payload: Sent) => {
        sent.push(payload);
        if (sent.length === 1) throw new Error('orchestrator away');
        return { seq: sent.length };
      },
    } as unknown as MessageBus;
    const sut = new ProgressReporter(bus, randomUUID(), 'building');
    sut.log('lost');
    await tick();
    sut.log('kept');
    await expect(sut.flush()).rejects.toThrow('orchestrator away');
    expect(sent.map((s) => s.logs)).toEqual([['lost'], ['kept']]);
  });

  it('says nothing without a deployment', async () => {
    const { bus, sent } = slowBus();
    const sut = new ProgressReporter(bus, undefined, 'building');
    sut.step('building', 'x');
    sut.log('y');
    await sut.flush();
    expect(sent).toEqual([]);
  });
});
