import type { EnvVar, Evidence } from '#contracts';
import { classifyEnv } from './env-vars.js';
import { lineOf, type SourceTree } from './source-tree.js';
import { parseToml } from './toml.js';

export interface DeclaredStart {
  command: string;
  evidence: Evidence;
}

/**
 * The start command a platform file states outright, after the Procfile: App Engine's app.yaml
 * `entrypoint:`, or `GOOGLE_ENTRYPOINT` among a buildpacks project.toml's build env.
 */
export async function declaredStart(tree: SourceTree): Promise<DeclaredStart | null> {
  const appYaml = await tree.read('app.yaml');
  const entrypoint = appYaml ? /^entrypoint:\s*(.+?)\s*$/m.exec(appYaml) : null;
  if (appYaml && entrypoint) {
    const command = entrypoint[1]!.replace(/^(["'])(.*)\1$/, '$2');
    return { command, evidence: { field: 'commands.start', file: 'app.yaml', line: lineOf(appYaml, entrypoint[0]), reason: 'app.yaml names the entrypoint' } };
  }
  const projectToml = await tree.read('project.toml');
  if (projectToml && projectToml.includes('GOOGLE_ENTRYPOINT')) {
    const doc = await parseToml(projectToml);
    const build = (doc.build ?? (doc.io as Record<string, unknown> | undefined)?.buildpacks) as { env?: { name?: string; value?: string }[] } | undefined;
    const value = build?.env?.find((e) => e.name === 'GOOGLE_ENTRYPOINT')?.value;
    if (value) {
      return {
        command: value,
        evidence: {
          field: 'commands.start',
          file: 'project.toml',
          line: lineOf(projectToml, 'GOOGLE_ENTRYPOINT'),
          reason: 'project.toml sets GOOGLE_ENTRYPOINT',
        },
      };
    }
  }
  return null;
}

interface AppJson {
  env?: Record<string, string | { value?: string; required?: boolean; generator?: string; description?: string }>;
}

/**
 * The env vars a Heroku app.json declares. Its schema makes an entry required unless it says
 * `"required": false`, has a `value` or a `generator` (Heroku fills `secret` in itself).
 */
export async function appJsonEnv(tree: SourceTree): Promise<EnvVar[]> {
  const text = await tree.read('app.json');
  if (!text) return [];
  let doc: AppJson;
  try {
    doc = JSON.parse(text) as AppJson;
  } catch {
    return [];
  }
  return Object.entries(doc.env ?? {})
    .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== 'PORT')
    .map(([name, entry]) => {
      const spec = typeof entry === 'string' ? { value: entry } : entry;
      const required = spec.required !== false && !spec.value && !spec.generator;
      return classifyEnv(name, `app.json:${lineOf(text, `"${name}"`) ?? 1}`, required);
    });
}
