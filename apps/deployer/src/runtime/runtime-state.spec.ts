import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listStateNames, readState, serviceDir, writeState, type ServiceState } from './runtime-state.js';

const state = (name: string): ServiceState => ({
  version: 1,
  name,
  proxyPort: 41234,
  desired: 'running',
  current: null,
  revisions: [],
  process: null,
  candidate: null,
  frontDoor: null,
  restarts: 0,
  claim: null,
});

describe('runtime state', () => {
  const home = mkdtempSync(join(tmpdir(), 'servergem-state-'));
  afterEach(() => rmSync(join(home, 'runtime'), { recursive: true, force: true }));

  it('round-trips a service through state.json and leaves no temp file behind', () => {
    writeState(home, state('hello'));
    writeState(home, { ...state('hello'), restarts: 2 });
    expect(readState(home, 'hello')).toMatchObject({ name: 'hello', restarts: 2, proxyPort: 41234 });
    expect(readdirSync(serviceDir(home, 'hello'))).toEqual(['state.json']);
    expect(listStateNames(home)).toEqual(['hello']);
  });

  it('treats a missing or corrupt state.json as no state', () => {
    expect(readState(home, 'nothing')).toBeNull();
    mkdirSync(serviceDir(home, 'broken'), { recursive: true });
    writeFileSync(join(serviceDir(home, 'broken'), 'state.json'), '{"version":1,"na');
    expect(readState(home, 'broken')).toBeNull();
  });
});
