import { describe, expect, it } from 'vitest';
import { isTerminal, resumeState, transition, TRANSITIONS, type WorkflowEvent, type WorkflowState } from './transitions.js';

const STATES = Object.keys(TRANSITIONS) as WorkflowState[];
const EVENTS: WorkflowEvent[] = ['analyzed', 'built', 'deployed', 'step-failed', 'interrupted', 'cancelled'];

describe('the workflow transition table', () => {
  it('goes analyze → build → deploy → live, each on its own step result', () => {
    expect(transition('analyzing', 'analyzed')).toBe('building');
    expect(transition('building', 'built')).toBe('deploying');
    expect(transition('deploying', 'deployed')).toBe('live');
  });

  it('ends every active state on a failure, an interruption or a cancel', () => {
    for (const state of ['analyzing', 'building', 'deploying'] as const) {
      expect(transition(state, 'step-failed')).toBe('failed');
      expect(transition(state, 'interrupted')).toBe('failed');
      expect(transition(state, 'cancelled')).toBe('cancelled');
    }
  });

  it("ignores a step's result in any other state: a late or duplicate result is a no-op", () => {
    expect(transition('building', 'analyzed')).toBeNull();
    expect(transition('deploying', 'built')).toBeNull();
    expect(transition('analyzing', 'deployed')).toBeNull();
  });

  it('takes no event at all once ended (a result or failure after a cancel changes nothing)', () => {
    for (const state of ['live', 'failed', 'cancelled'] as const) {
      expect(isTerminal(state)).toBe(true);
      for (const event of EVENTS) expect(transition(state, event)).toBeNull();
    }
  });

  it('has an entry, or a deliberate no-op, for every state × event', () => {
    const table = STATES.map((state) => [state, ...EVENTS.map((event) => transition(state, event) ?? '-')].join(' '));
    expect(table).toEqual([
      'analyzing building - - failed failed cancelled',
      'building - deploying - failed failed cancelled',
      'deploying - - live failed failed cancelled',
      'live - - - - - -',
      'failed - - - - - -',
      'cancelled - - - - - -',
    ]);
  });

  it('resumes a stored deployment after the last step whose result it holds', () => {
    expect(resumeState({ status: 'queued', report: null, artifact: null })).toBe('analyzing');
    expect(resumeState({ status: 'running', report: {}, artifact: null })).toBe('building');
    expect(resumeState({ status: 'running', report: {}, artifact: {} })).toBe('deploying');
    expect(resumeState({ status: 'cancelled', report: {}, artifact: null })).toBe('cancelled');
    expect(resumeState({ status: 'live', report: {}, artifact: {} })).toBe('live');
  });
});
