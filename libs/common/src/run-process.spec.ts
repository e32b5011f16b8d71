import { describe, expect, it } from 'vitest';
import { LineSplitter, runProcess } from './run-process.js';

describe(LineSplitter.name, () => {
  it('splits chunks into lines, whatever the chunk boundaries', () => {
    const lines: string[] = [];
    const sut = new LineSplitter((l) => lines.push(l));
    sut.push('one\ntw');
    sut.push('o\nthree');
    sut.end();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('keeps only the last state of a carriage-return progress bar', () => {
    const lines: string[] = [];
    const sut = new LineSplitter((l) => lines.push(l));
    sut.push('Receiving objects:  10% (1/10)\rReceiving objects: 100% (10/10), done.\n');
    expect(lines).toEqual(['Receiving objects: 100% (10/10), done.']);
  });
});

describe(runProcess.name, () => {
  it('never goes through a shell', async () => {
    const lines: string[] = [];
    const result = await runProcess('echo', ['$(id)', '`id`', ';', 'ls'], { onLine: (l) => lines.push(l) });
    expect(result.code).toBe(0);
    expect(lines).toEqual(['$(id) `id` ; ls']);
  });

  it('kills a process that runs past its time', async () => {
    const result = await runProcess('sleep', ['30'], { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
  });
});

describe('runProcess cancelled', () => {
  it('stops the whole process group, even what ignores SIGTERM, and answers once none of it is left', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    // A leader that ignores SIGTERM and a child of its own that does too, writing elsewhere than the pipes.
    const script = [
      "process.on('SIGTERM', () => {});",
      "const child = require('node:child_process').spawn(process.execPath, ['-e', \"process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)\"], { stdio: 'ignore' });",
      'console.log(`child ${child.pid}`);',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const running = runProcess(process.execPath, ['-e', script], {
      signal: controller.signal,
      killAfterMs: 200,
      onLine: (line) => {
        lines.push(line);
        controller.abort();
      },
    });
    const result = await running;
    expect(result).toMatchObject({ cancelled: true, timedOut: false, signal: 'SIGKILL' });
    const child = Number(/child (\d+)/.exec(lines[0]!)![1]);
    expect(() => process.kill(child, 0)).toThrow();
  });

  it('does not start a process for a signal already aborted', async () => {
    const result = await runProcess(process.execPath, ['-e', 'console.log("ran")'], { signal: AbortSignal.abort() });
    expect(result).toEqual({ code: null, signal: null, timedOut: false, cancelled: true, lastLines: [] });
  });
});
