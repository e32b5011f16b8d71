import type { Diagnosis } from '#contracts';
import { evidence, findLines, type DiagnosisRule, type FailureFacts } from '../diagnosis-rule.js';
import { unifiedDiff } from '../unified-diff.js';

const NODE = [/Cannot find (?:module|package) '([^']+)'/, /ERR_MODULE_NOT_FOUND.*?'([^']+)'/];
const PYTHON = [/ModuleNotFoundError: No module named '([^']+)'/, /ImportError: No module named '?([\w.]+)'?/];
/** Import names whose package is called something else on PyPI. */
const PYPI_NAMES: Record<string, string> = {
  cv2: 'opencv-python',
  yaml: 'PyYAML',
  PIL: 'Pillow',
  sklearn: 'scikit-learn',
  bs4: 'beautifulsoup4',
  dotenv: 'python-dotenv',
  jwt: 'PyJWT',
  dateutil: 'python-dateutil',
  psycopg2: 'psycopg2-binary',
  MySQLdb: 'mysqlclient',
};

/** A dependency the app imports is not installed: it is missing from the manifest. */
export const moduleNotFoundRule: DiagnosisRule = {
  name: 'module-not-found',
  diagnose(facts: FailureFacts): Diagnosis | null {
    const python = findLines(facts.lines, PYTHON);
    const node = findLines(facts.lines, NODE);
    const hit = (python.length ? python : node).at(-1);
    if (!hit) return null;
    const name = hit.match[1]!;
    if (python.length) {
      const top = name.split('.')[0]!;
      const pkg = PYPI_NAMES[top] ?? top;
      const manifest = facts.report?.evidence.find((e) => /requirements.*\.txt$|pyproject\.toml$|Pipfile$/.test(e.file))?.file;
      return {
        rule: this.name,
        title: `Python module not found: ${top}`,
        explanation:
          `The app imports \`${top}\`, but the package \`${pkg}\` is not installed: it is missing from ${manifest ? `\`${manifest}\`` : 'the dependencies'}. ` +
          `Add it (\`pip install ${pkg}\`, then \`pip freeze\` or your tool's lock command) and deploy again.`,
        evidence: evidence(python),
        fix: manifest
          ? { summary: `Add ${pkg} to ${manifest}` }
          : { summary: `Add a requirements.txt with ${pkg}`, patch: { file: 'requirements.txt', diff: unifiedDiff('requirements.txt', null, [pkg]) } },
      };
    }
    const local = name.startsWith('.') || name.startsWith('/');
    return {
      rule: this.name,
      title: local ? `File not found at start: ${name}` : `Node.js package not found: ${name}`,
      explanation: local
        ? `The app tried to load \`${name}\`, which is not in the release. If it is built output (\`dist/\`, \`build/\`), the build step did not produce it: check the build script and the start command.`
        : `The app imports \`${name}\`, which is not installed. It is probably missing from \`dependencies\` in package.json (or only in \`devDependencies\`). Run \`npm install ${packageOf(name)}\` and commit package.json and the lockfile.`,
      evidence: evidence(node),
      ...(local ? {} : { fix: { summary: `Add ${packageOf(name)} to dependencies in package.json` } }),
    };
  },
};

/** `@scope/pkg/sub/path` → `@scope/pkg`; `lodash/fp` → `lodash`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
