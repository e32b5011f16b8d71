import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppLog } from './app-log.js';

describe(AppLog.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'servergem-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('seeds its ring buffer from the file an earlier ServerGem left, then follows what the app appends', () => {
    writeFileSync(join(dir, 'app.log'), 'one\ntwo\n');
    const sut = new AppLog(dir);
    const seen: string[] = [];
    sut.onLine((line) => seen.push(line));
    appendFileSync(sut.path, 'three\nfour');
    sut.catchUp();
    appendFileSync(sut.path, ' and more\n');
    sut.note('restarted');
    expect(sut.tail(10)).toEqual(['one', 'two', 'three', 'four and more', '[servergem] restarted']);
    expect(seen).toEqual(['three', 'four and more', '[servergem] restarted']);
    expect(sut.tail(2)).toEqual(['four and more', '[servergem] restarted']);
    sut.close();
  });

  it('rotates past a few MB by copy-then-truncate, and keeps following', () => {
    const sut = new AppLog(dir);
    appendFileSync(sut.path, `${'x'.repeat(1023)}\n`.repeat(6 * 1024));
    sut.catchUp();
    sut.catchUp();
    expect(existsSync(`${sut.path}.1`)).toBe(true);
    expect(statSync(sut.path).size).toBe(0);
    appendFileSync(sut.path, 'after rotation\n');
    sut.catchUp();
    expect(sut.tail(1)).toEqual(['after rotation']);
    sut.close();
  });
});
