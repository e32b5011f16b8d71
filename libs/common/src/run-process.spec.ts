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
