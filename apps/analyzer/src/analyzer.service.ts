import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestOf, ResponseOf, analyzeSubject } from '#contracts';
import { SecretBox, servergemHome } from '#common';
import { MessageBus, runWorkerStep, throwIfCancelled } from '#messaging';
import { applyFilePatches, fetchSource, resolveSource, validateAppPath, validateBranch } from '#source';
import { ANALYZER_CONFIG, type AnalyzerConfig } from './analyzer.config.js';
import { analyzeSource } from './detect/analyze.js';
import { GeminiAdvisor } from './gemini/gemini.advisor.js';

@Injectable()
export class AnalyzerService {
  constructor(
    @Inject(ANALYZER_CONFIG) private readonly config: AnalyzerConfig,
    private readonly bus: MessageBus,
    private readonly secrets: SecretBox,
    private readonly gemini: GeminiAdvisor,
  ) {}

  async analyze(request: RequestOf<typeof analyzeSubject>): Promise<ResponseOf<typeof analyzeSubject>> {
    const token = this.secrets.openFromService(request.sealedToken);
    return runWorkerStep(
      this.bus,
      { deploymentId: request.deploymentId, stage: 'cloning', secrets: [token], attempt: request.attempt },
      async (reporter, signal) => {
        const source = resolveSource(request.source.repoUrl, { allowLocal: this.config.ALLOW_LOCAL_SOURCES, allowedHosts: this.config.GIT_ALLOWED_HOSTS });
        if (request.source.branch !== undefined) validateBranch(request.source.branch);
        const appPath = validateAppPath(request.source.appPath);
        const workdir = join(servergemHome(this.config.SERVERGEM_HOME), 'work', `analyze-${request.deploymentId ?? randomUUID()}`);
        try {
          const where = source.kind === 'git-remote' ? source.url : source.path;
          reporter.step(
            'cloning',
            source.kind === 'folder' ? `Copying ${where}` : `Fetching ${where}${request.source.branch ? ` (branch ${request.source.branch})` : ''}`,
          );
          const { commitSha } = await fetchSource({
            source,
            branch: request.source.branch,
            dest: workdir,
            token,
            limits: {
              timeoutMs: this.config.CLONE_TIMEOUT_SECONDS * 1000,
              maxBytes: this.config.CLONE_MAX_MB * 1024 ** 2,
              maxFiles: this.config.CLONE_MAX_FILES,
            },
            onLine: reporter.logLine,
            signal,
          });
          throwIfCancelled(signal);
          // Accepted fixes go into this copy only, so the analysis sees the source the build will have.
          if (request.source.patches?.length) for (const line of await applyFilePatches(workdir, appPath, request.source.patches)) reporter.log(line);
          reporter.step('analyzing', commitSha ? `Fetched commit ${commitSha.slice(0, 12)}; analyzing` : 'Copied the folder; analyzing', 0);
          let report = await analyzeSource(workdir, appPath);
          if (this.gemini.enabled) report = await this.gemini.review(workdir, appPath, report, reporter.logLine);
          for (const item of report.evidence) reporter.log(`${item.field}: ${item.reason} (${item.file}${item.line ? `:${item.line}` : ''})`);
          for (const warning of report.warnings) reporter.log(`warning: ${warning}`);
          reporter.step('analyzing', describeReport(report), 1);
          return { commitSha, sourceName: source.name, report };
        } finally {
          await rm(workdir, { recursive: true, force: true });
        }
      },
    );
  }
}

export function describeReport(report: ResponseOf<typeof analyzeSubject>['report']): string {
  const what = [report.runtime.name + (report.runtime.version ? ` ${report.runtime.version}` : ''), report.framework].filter(Boolean).join(', ');
  const port = report.portFromEnv ? `reads PORT${report.port ? ` (default ${report.port})` : ''}` : report.port ? `port ${report.port}` : 'port unknown';
  return `Detected ${what} with ${report.packageManager ?? 'no package manager'}; start: ${report.commands.start ?? 'unknown'}; ${port}`;
}
