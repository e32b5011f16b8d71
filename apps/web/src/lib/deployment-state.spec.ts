import { describe, expect, it } from 'vitest';
import type { DeploymentEvent, DeploymentSummary, DeploymentUpdate } from '#contracts';
import { applyUpdate, fromStored, isFinished, newDeployment } from './deployment-state';

const id = '6f1c2a8e-3b9d-4c1e-9a2f-0d7b5e4c3a21';
const update = (seq: number, progress: number, logs: string[] = [], stage: DeploymentUpdate['data']['stage'] = 'building'): DeploymentUpdate['data'] => ({
  deploymentId: id,
  seq,
  stage,
  progress,
  message: `step ${seq}`,
  logs,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
});

describe('deployment state', () => {
  it('applies each seq once, so a replay after reconnecting adds nothing twice', () => {
    let sut = newDeployment(id);
    for (const u of [update(1, 5, ['a']), update(2, 10, ['b']), update(2, 10, ['b']), update(1, 5, ['a']), update(3, 20, ['c', 'd'])])
      sut = applyUpdate(sut, u);
    expect(sut.lines).toEqual(['a', 'b', 'c', 'd']);
    expect(sut.lastSeq).toBe(3);
  });

  it('never moves progress backwards', () => {
    let sut = newDeployment(id);
    sut = applyUpdate(sut, update(1, 40));
    sut = applyUpdate(sut, update(2, 30));
    expect(sut.progress).toBe(40);
  });

  it('ignores updates of another deployment', () => {
    const sut = newDeployment(id);
    expect(applyUpdate(sut, { ...update(1, 5, ['x']), deploymentId: '00000000-0000-4000-8000-000000000000' })).toBe(sut);
  });

  it('rebuilds a stored deployment with its outcome', () => {
    const summary: DeploymentSummary = {
      id,
      status: 'failed',
      stage: 'failed',
      progress: 100,
      repoUrl: '/nope',
      branch: null,
      appPath: null,
      commitSha: null,
      target: 'local',
      serviceName: null,
      url: null,
      error: { code: 'REPO_NOT_FOUND', message: 'No repository at /nope.', hint: 'Check the path.' },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
    };
    const event = (seq: number, logs: string[], outcome: DeploymentEvent['outcome'] = null): DeploymentEvent => ({
      ...update(seq, seq === 2 ? 100 : 5, logs, seq === 2 ? 'failed' : 'cloning'),
      createdAt: summary.createdAt,
      outcome,
    });
    const sut = fromStored(summary, [
      event(2, ['fatal'], { kind: 'error', stage: 'cloning', code: 'REPO_NOT_FOUND', message: 'No repository at /nope.', hint: 'Check the path.' }),
      event(1, ['$ git clone']),
    ]);
    expect(sut.lines).toEqual(['$ git clone', 'fatal']);
    expect(sut.error).toMatchObject({ stage: 'cloning', hint: 'Check the path.' });
    expect(isFinished(sut)).toBe(true);
  });
});
