import { describe, expect, it } from 'vitest';
import { parseIntent } from './intent.js';

const intent = (message: string) => parseIntent({ owner: 'o', message } as Parameters<typeof parseIntent>[0]);

describe('parseIntent', () => {
  it('understands the runtime commands', () => {
    expect(intent('status')).toEqual({ kind: 'status' });
    expect(intent('logs node-hello')).toEqual({ kind: 'logs', service: 'node-hello' });
    expect(intent('rollback node-hello')).toEqual({ kind: 'rollback', service: 'node-hello', revision: undefined });
    expect(intent('rollback node-hello to 4f1c')).toEqual({ kind: 'rollback', service: 'node-hello', revision: '4f1c' });
  });

  it('treats a service name that is not a slug as no command', () => {
    expect(intent('logs ../../etc')).toEqual({ kind: 'help' });
    expect(intent('rollback x; rm -rf /')).toEqual({ kind: 'help' });
  });
});
