import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '#messaging';
import { FakeGemini } from '#testing';
import { analyzerConfigSchema } from '../analyzer.config.js';
import { AnalyzerModule } from '../analyzer.module.js';
import { AnalyzerService } from '../analyzer.service.js';

const KEY = 'test-gemini-key';

describe(`${AnalyzerService.name} with Gemini`, () => {
  let fake: FakeGemini;
  let home: string;
  let folder: string;
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    fake = await FakeGemini.start(KEY);
    home = mkdtempSync(join(tmpdir(), 'servergem-home-'));
    folder = mkdtempSync(join(tmpdir(), 'servergem-app-'));
    mkdirSync(join(folder, 'lib'));
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'b', scripts: { serve: 'node lib/run.js' } }));
    writeFileSync(join(folder, 'lib/run.js'), 'require("http").createServer((q, s) => s.end("hi")).listen(4100);\n');
  });

  afterAll(async () => {
    for (const moduleRef of modules) await moduleRef.close();
    await fake.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });

  async function analyzerWith(env: Record<string, string>): Promise<AnalyzerService> {
    const config = analyzerConfigSchema.parse({ ALLOW_LOCAL_SOURCES: 'true', SERVERGEM_HOME: home, SERVERGEM_SECRET_KEY: 'a'.repeat(64), ...env });
    const moduleRef = await Test.createTestingModule({ imports: [AnalyzerModule.forRoot(config, new InProcessBus())] }).compile();
    modules.push(moduleRef);
    return moduleRef.get(AnalyzerService);
  }

  it('asks Gemini after the detectors when a key is configured', async () => {
    fake.reply(FakeGemini.json({ explanation: 'A tiny HTTP server.', startCommand: 'npm run serve', port: null, warnings: [] }));
    const sut = await analyzerWith({ GEMINI_API_KEY: KEY, GEMINI_BASE_URL: fake.url });

    const { report } = await sut.analyze({ source: { repoUrl: folder } });

    expect(fake.requests).toHaveLength(1);
    expect(report.commands.start).toBe('npm run serve');
    expect(report.explanation).toBe('A tiny HTTP server.');
  });

  it('leaves the analysis to the detectors when no key is configured', async () => {
    fake.reset();
    const sut = await analyzerWith({});

    const { report } = await sut.analyze({ source: { repoUrl: folder } });

    expect(fake.requests).toHaveLength(0);
    expect(report.commands.start).toBeNull();
    expect(report.explanation).toBeUndefined();
  });
});
