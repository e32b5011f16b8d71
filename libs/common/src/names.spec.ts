import { describe, expect, it } from 'vitest';
import { serviceSlug } from './names.js';

const CLOUD_RUN_NAME = /^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/;

describe(serviceSlug.name, () => {
  it.each([
    ['x; rm -rf /', 'x-rm-rf'],
    ['$(id)', 'id'],
    ['My_Shop.git', 'my-shop'],
    ['123-start', 'app-123-start'],
    ['---', 'app'],
    ['a'.repeat(200), 'a'.repeat(49)],
  ])('normalises %j to a Cloud Run-valid name', (raw, slug) => {
    expect(serviceSlug(raw)).toBe(slug);
    expect(serviceSlug(raw)).toMatch(CLOUD_RUN_NAME);
  });
});
