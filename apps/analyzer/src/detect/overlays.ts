import type { ServiceReport } from '#contracts';
import { composeCommand } from '#common';
import { appJsonEnv, declaredStart } from './platform-files.js';
import { isHerokuOnly, procfileWeb } from './procfile.js';
import { lineOf, type SourceTree } from './source-tree.js';

/**
 * What a repository says about itself beyond its language: its own Dockerfile (used as it is, its
 * port read from EXPOSE), a Procfile `web:` process or another platform file's entrypoint (the
 * start command the author chose), and the env vars a Heroku app.json declares.
 */
export async function applyOverlays(tree: SourceTree, report: ServiceReport): Promise<ServiceReport> {
  let out = { ...report, evidence: [...report.evidence], warnings: [...report.warnings] };
  const web = await procfileWeb(tree);
  // Detectors that read the Procfile themselves (to find the port behind its command) already took it.
  const taken = out.evidence.some((e) => e.field === 'commands.start' && e.file === 'Procfile');
  if (web && !taken && !isHerokuOnly(web.command)) {
    out = { ...out, commands: { ...out.commands, start: web.command } };
    out.evidence.push({ field: 'commands.start', file: 'Procfile', line: web.line, reason: 'the Procfile names the web process' });
    if (/\$\{?PORT\b/.test(web.command)) out.portFromEnv = true;
  } else if (!web) {
    const declared = await declaredStart(tree);
    if (declared) {
      out = { ...out, commands: { ...out.commands, start: declared.command } };
      out.evidence.push(declared.evidence);
      if (/\$\{?PORT\b/.test(declared.command)) out.portFromEnv = true;
    }
  }
  // app.json's env says what the app needs even where the code reads it in ways no scan follows.
  const declaredEnv = (await appJsonEnv(tree)).filter((v) => !out.env.some((e) => e.name === v.name));
  if (declaredEnv.length > 0) out.env = [...out.env, ...declaredEnv];
  const dockerfile = await tree.read('Dockerfile');
  if (dockerfile !== null) {
    out.dockerfile = 'Dockerfile';
    out.evidence.push({ field: 'dockerfile', file: 'Dockerfile', reason: "the repository's own Dockerfile is used as it is" });
    const expose = /^\s*EXPOSE\s+(\d{2,5})/im.exec(dockerfile);
    if (expose) {
      out.port = Number(expose[1]);
      out.evidence.push({ field: 'port', file: 'Dockerfile', line: lineOf(dockerfile, expose[0].trim()), reason: 'the Dockerfile exposes this port' });
    }
  }
  return out;
}

/** A repository with only a Dockerfile: everything is in the image it describes. */
export async function dockerOnlyReport(tree: SourceTree, appPath: string): Promise<ServiceReport | null> {
  const dockerfile = await tree.read('Dockerfile');
  if (dockerfile === null) return null;
  const cmd = /^\s*(?:CMD|ENTRYPOINT)\s+(.+)$/im.exec(dockerfile);
  let start: string | null = null;
  if (cmd) {
    try {
      const parsed: unknown = JSON.parse(cmd[1]!);
      // Exec form: each element is one word, so `["sh", "-c", "a && b"]` stays three words.
      start = Array.isArray(parsed) ? composeCommand(parsed.map(String)) : String(parsed);
    } catch {
      start = cmd[1]!.trim();
    }
  }
  const base = /^\s*FROM\s+(\S+)/im.exec(dockerfile)?.[1] ?? 'unknown';
  return {
    language: 'docker',
    framework: null,
    runtime: { name: base, version: null },
    packageManager: null,
    commands: { install: [], build: [], start },
    port: null,
    portFromEnv: /\$\{?PORT\b/.test(dockerfile),
    env: [],
    appPath,
    evidence: cmd
      ? [{ field: 'commands.start', file: 'Dockerfile', line: lineOf(dockerfile, cmd[0].trim()), reason: 'the Dockerfile says how the container starts' }]
      : [],
    confidence: 0.7,
    warnings: [],
  };
}
