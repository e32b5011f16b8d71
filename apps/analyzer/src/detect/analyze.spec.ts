import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';

describe(analyzeSource.name, () => {
  const apps = tempApps('servergem-analyze-');
  afterEach(() => apps.cleanup());

  it('never names the folder’s files when it cannot tell what the app is', async () => {
    const dir = apps.app({ id_rsa: 'x', 'salaries-2026.xlsx': 'x', 'private-notes/a.txt': 'x' });
    const error = (await analyzeSource(dir).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('UNSUPPORTED_APP');
    expect(error.message).toMatch(/no project file ServerGem knows \(such as package\.json/);
    for (const name of ['id_rsa', 'salaries', 'private-notes', 'a.txt']) expect(error.message).not.toContain(name);
  });

  it('says so when the folder is empty', async () => {
    await expect(analyzeSource(apps.app({}))).rejects.toMatchObject({ code: 'UNSUPPORTED_APP', message: expect.stringContaining('the folder is empty') });
  });
});
