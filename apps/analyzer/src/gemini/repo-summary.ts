import type { AnalysisReport } from '#contracts';
import { SourceTree } from '../detect/source-tree.js';
import { isSecretPath, looksLikeSecret, redactDeep, redactSecrets } from './secret-filter.js';

export interface SummaryFile {
  path: string;
  content: string;
  truncated: boolean;
}

/** What Gemini is shown of a repository: compact, and with nothing secret in it. */
export interface RepoSummary {
  appPath: string;
  tree: string[];
  treeTruncated: boolean;
  files: SummaryFile[];
  /** How many files were held back because they are, or look like, secrets. */
  withheld: number;
  detected: Omit<AnalysisReport, 'services'> & { services: string[] };
}

export interface SummaryLimits {
  maxPaths: number;
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_SUMMARY_LIMITS: SummaryLimits = { maxPaths: 300, maxFiles: 24, maxFileBytes: 4096, maxTotalBytes: 64 * 1024 };

const MANIFESTS = new Set([
  'package.json',
  'deno.json',
  'deno.jsonc',
  'pyproject.toml',
  'requirements.txt',
  'Pipfile',
  'setup.py',
  'setup.cfg',
  'runtime.txt',
  '.python-version',
  '.nvmrc',
  '.node-version',
  '.tool-versions',
  'go.mod',
  'Cargo.toml',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'Gemfile',
  'config.ru',
  'composer.json',
  'mix.exs',
  'Dockerfile',
  'Procfile',
  'app.json',
  'app.yaml',
  'fly.toml',
  'render.yaml',
  'vercel.json',
  'netlify.toml',
  'nixpacks.toml',
  'docker-compose.yml',
  'docker-compose.yaml',
  'compose.yaml',
]);
const MANIFEST_PATTERN = /\.(csproj|fsproj|sln)$|^requirements[-\w]*\.txt$|^Dockerfile\.|^(next|nuxt|vite|astro|svelte|remix|angular)\.config\.\w+$/;
const ENTRY_PATTERN =
  /^(src\/|app\/|server\/|cmd\/[^/]+\/)?(index|server|app|main|wsgi|asgi|manage|bot|program|Program|application)\.(js|mjs|cjs|ts|mts|py|go|rs|rb|php|cs|ex|exs|java|kt)$/;
const README = /^readme(\.md|\.txt|\.rst)?$/i;

/** Builds the summary from a checked-out tree, reading only through {@link SourceTree}. */
export async function buildRepoSummary(
  root: string,
  appPath: string,
  report: AnalysisReport,
  limits: SummaryLimits = DEFAULT_SUMMARY_LIMITS,
): Promise<RepoSummary> {
  const repo = await SourceTree.open(root);
  const tree = (await repo.sub(appPath)) ?? repo;
  const all = (await tree.files()).filter((path) => !isSecretPath(path));
  const wanted = [
    ...new Set([
      ...all.filter(isManifest),
      ...report.evidence.map((e) => e.file).filter((f) => all.includes(f)),
      ...all.filter(isEntry),
      ...all.filter(isReadme),
    ]),
  ];

  const files: SummaryFile[] = [];
  let withheld = (await tree.files()).length - all.length;
  let total = 0;
  for (const path of wanted) {
    if (files.length >= limits.maxFiles || total >= limits.maxTotalBytes) break;
    const text = await tree.read(path);
    if (text === null || text.includes('\u0000')) continue;
    if (looksLikeSecret(text)) {
      withheld += 1;
      continue;
    }
    // Redact before cutting, so a secret straddling the cut is still recognised whole.
    const clean = redactSecrets(text);
    const budget = Math.min(limits.maxFileBytes, limits.maxTotalBytes - total);
    const content = truncateBytes(clean, budget);
    total += Buffer.byteLength(content);
    files.push({ path, content, truncated: content.length < clean.length });
  }

  const { services, ...detected } = report;
  return {
    appPath,
    tree: all.slice(0, limits.maxPaths),
    treeTruncated: all.length > limits.maxPaths,
    files,
    withheld,
    // Detectors quote the repository (a Procfile's start line, for one), so their report is redacted too.
    detected: redactDeep({ ...detected, services: services.map((s) => s.appPath) }),
  };
}

/** The summary as the text sent to the model. */
export function summaryText(summary: RepoSummary): string {
  return JSON.stringify(summary);
}

function isManifest(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return depth(path) <= 1 && (MANIFESTS.has(name) || MANIFEST_PATTERN.test(name));
}

function isEntry(path: string): boolean {
  return ENTRY_PATTERN.test(path);
}

function isReadme(path: string): boolean {
  return depth(path) === 0 && README.test(path);
}

function depth(path: string): number {
  return path.split('/').length - 1;
}

function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, Math.max(0, maxBytes)).toString('utf8');
  // A multi-byte character cut in half decodes as U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}
