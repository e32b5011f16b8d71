import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InFlightWork } from './in-flight-work.js';

describe(InFlightWork.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('tells its listeners the stop began, then waits for the work in hand, including work started meanwhile', async () => {
    const sut = new InFlightWork(60_000);
    const order: string[] = [];
    let finish: () => void = () => undefined;
    void sut.track(
      'chat',
      new Promise<void>((resolve) => (finish = resolve)).then(() => {
        order.push('chat done');
        // Its last write, started as it ends.
        void sut.track(
          'last write',
          Promise.resolve().then(() => order.push('last write done')),
        );
      }),
    );
    sut.onStop(() => {
      order.push('told');
      expect(sut.stopping).toBe(true);
      finish();
    });
    await sut.beforeApplicationShutdown();
    expect(order).toEqual(['told', 'chat done', 'last write done']);
  });

  it('stops waiting after its grace period and names what it left running', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const sut = new InFlightWork(50);
    void sut.track('ChatController.handle', new Promise(() => undefined));
    void sut.track('done already', Promise.reject(new Error('a failure is settled too')));
    await sut.beforeApplicationShutdown();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^Stopping with 1 still running after 0.05 s \(ChatController.handle\)/));
  });
});
