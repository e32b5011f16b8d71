// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { takeLoginToken } from './login-link';

describe(takeLoginToken.name, () => {
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('takes the token from the login link and removes it from the address bar, keeping the rest', () => {
    window.history.replaceState(null, '', '/deploy?token=abc_DEF-123&tab=logs#top');
    expect(takeLoginToken()).toBe('abc_DEF-123');
    expect(`${window.location.pathname}${window.location.search}${window.location.hash}`).toBe('/deploy?tab=logs#top');
  });

  it('leaves an address without a token alone', () => {
    window.history.replaceState(null, '', '/?tab=logs');
    expect(takeLoginToken()).toBeNull();
    expect(window.location.search).toBe('?tab=logs');
  });

  it('removes an empty token without keeping it', () => {
    window.history.replaceState(null, '', '/?token=');
    expect(takeLoginToken()).toBeNull();
    expect(window.location.search).toBe('');
  });
});
