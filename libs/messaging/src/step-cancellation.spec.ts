import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { StepCancellation, throwIfCancelled, withCancelGrace } from './step-cancellation.js';

describe(StepCancellation.name, () => {
  it("aborts the running steps of the cancelled deployment only, with a CANCELLED error as the signal's reason", () => {
    const sut = new StepCancellation();
    const [a, b] = [randomUUID(), randomUUID()];
    const build = sut.begin(a);
    const other = sut.begin(b);

    expect(sut.cancel(a)).toBe(1);

    expect(build.signal.aborted).toBe(true);
    expect((build.signal.reason as DomainError).code).toBe('CANCELLED');
    expect(other.signal.aborted).toBe(false);
    expect(() => throwIfCancelled(build.signal)).toThrow(DomainError);
    expect(() => throwIfCancelled(other.signal)).not.toThrow();
  });

  it('aborts a step that starts after its deployment was cancelled (the cancel overtook the job)', () => {
    const sut = new StepCancellation();
    const id = randomUUID();
    expect(sut.cancel(id)).toBe(0);
    expect(sut.begin(id).signal.aborted).toBe(true);
  });

  it('forgets a step once it ends, and a cancel after a long while', () => {
    let now = 0;
    const sut = new StepCancellation(() => now);
    const id = randomUUID();
    const step = sut.begin(id);
    expect(sut.isRunning(id)).toBe(true);
    step.end();
    expect(sut.isRunning(id)).toBe(false);
    expect(sut.cancel(id)).toBe(0);
    now += 60 * 60_000;
    expect(sut.begin(id).signal.aborted).toBe(false);
  });
});

describe(withCancelGrace.name, () => {
  it('keeps the outcome of work that stops within the grace', async () => {
    const controller = new AbortController();
    const work = new Promise<string>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(new DomainError('CANCELLED', 'The build was stopped during `npm run build`.'))),
    );
    const outcome = withCancelGrace(work, controller.signal, 1000);
    controller.abort();
    await expect(outcome).rejects.toThrow('The build was stopped during `npm run build`.');
  });

  it('reports a step that does not stop within the grace as cancelled', async () => {
    const controller = new AbortController();
    const outcome = withCancelGrace(new Promise<string>(() => undefined), controller.signal, 20);
    controller.abort();
    await expect(outcome).rejects.toMatchObject({ code: 'CANCELLED', message: 'The deployment was cancelled.' });
  });

  it('passes through what work gives when nothing is cancelled', async () => {
    await expect(withCancelGrace(Promise.resolve(42), new AbortController().signal, 20)).resolves.toBe(42);
  });
});
