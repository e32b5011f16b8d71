import { describe, expect, it } from 'vitest';
import { MASK, maskValues, restoreValues, takeValues } from './chat-values.js';

describe(takeValues.name, () => {
  it.each([
    ['set API_KEY=sk-live-123 as a secret on api', 'set API_KEY=•••• as a secret on api', { API_KEY: 'sk-live-123' }],
    ['A="one two" B=\'x"y\' C=3', 'A=•••• B=•••• C=••••', { A: 'one two', B: 'x"y', C: '3' }],
    ['set the env var TOKEN to abc,def', 'set TOKEN to ••••,def', { TOKEN: 'abc' }],
    ['set GREETING= on needs-env', 'set GREETING= on needs-env', {}],
    ['deploy https://github.com/x/y?a=1', 'deploy https://github.com/x/y?a=1', {}],
  ])('takes the values out of %j', (message, masked, values) => {
    const sut = takeValues(message);
    expect(sut).toEqual({ masked, values });
    // The agent reads the restored message as it was typed; what is stored is masked the same way either way.
    expect(maskValues(restoreValues(sut.masked, sut.values))).toBe(maskValues(message));
  });
});

describe(restoreValues.name, () => {
  it('puts back each value masked with MASK, quoting where it must, and leaves a name with no value masked', () => {
    const sut = restoreValues(`set TOKEN to ${MASK} and A=${MASK} B=${MASK} C=${MASK}`, { TOKEN: 'abc', A: 'one two', B: 'x"y' });
    expect(sut).toBe(`set TOKEN to abc and A="one two" B='x"y' C=${MASK}`);
  });
});
