/**
 * Whether two start commands run the same thing. Platforms phrase the same start differently:
 * `npm run start` vs `npm start`, `--bind 0.0.0.0:${PORT:-8000}` vs `--bind 0.0.0.0:$PORT`, a
 * migration before `&&`, an env prefix. Both sides are reduced to the program and what it runs.
 */
export function normalizeStart(command: string): string {
  let cmd = command.split('&&').at(-1)!.trim();
  cmd = cmd.replace(/\s*2>&1\s*$/, '');
  // A quoted word reads as the word itself: `'app:create_app()'` is `app:create_app()`.
  cmd = cmd.replace(/(^|\s)'([^'\s]*)'(?=\s|$)/g, '$1$2');
  cmd = cmd.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '');
  cmd = cmd.replace(/\$\{PORT(?::-\d+)?\}|\$PORT/g, 'PORT');
  cmd = cmd.replace(/\s(?:--bind|-b|--host|-H|--port|-p|-o|--server\.port|--server\.address|--listen|-l)(?:[= ]\S+)/g, '');
  cmd = cmd.replace(/\s\$JAVA_OPTS\b/g, '').replace(/^bundle exec\s+/, '');
  cmd = cmd.replace(/\s--(?:enable-)?yjit\b/g, '');
  cmd = cmd.replace(/^(npm|yarn|pnpm|bun) run start\b/, '$1 start');
  cmd = cmd.replace(/^python3\b/, 'python');
  cmd = cmd.replace(/(^|\s)\/app\//g, '$1').replace(/(^|\s)\.\//g, '$1');
  cmd = cmd.replace(/\*\.jar\b/g, '*jar');
  // JVM system properties (`-Dserver.port=$PORT`) tune the run, not what runs.
  cmd = cmd.replace(/\s-D[\w.-]+=\S+/g, '');
  // Spring Boot's Gradle jar picked past its *-plain.jar is still the jar in build/libs.
  cmd = cmd.replace(/\$\(ls -1 ([^ )|]+) \| grep -v plain\)/g, '$1');
  // A published .NET app runs through `dotnet X.dll` or its native launcher `X`.
  cmd = cmd.replace(/^dotnet ((?:[\w.-]+\/)*[\w.-]+)\.dll\b/, '$1');
  // `module.wsgi` loads the `application` callable unless told otherwise.
  cmd = cmd.replace(/\.wsgi:application\b/g, '.wsgi');
  return cmd.replace(/\s+/g, ' ').trim();
}

const STATIC_SERVER = /^(?:exec )?(?:caddy|nginx|serve|http-server|static-web-server)\b|nginx -c/;

/** `./start.sh`, `sh start.sh` and `bash start.sh` all run the script. */
function scriptOf(cmd: string): string | null {
  return /^(?:(?:ba|z|da)?sh )?([\w./-]+\.sh)(?: |$)/.exec(cmd)?.[1] ?? null;
}

/** A peer's glob (`target/*jar`) against our concrete path (`target/app-1.0.jar`). */
function globMatches(pattern: string, concrete: string): boolean {
  if (!pattern.includes('*')) return false;
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^ ]*')}$`);
  return regex.test(concrete);
}

/**
 * Equivalent when the reduced forms match; when one side is the package manager's start script
 * and the other that script's command; when both run the same shell script; when the peer's glob
 * names our file; or when we serve a static site (`staticDir`) and the peer runs a static file
 * server for it.
 */
export function equivalentStart(ours: string | null, theirs: string | null, startScript?: string, oursServesStatic = false): boolean {
  if (theirs && oursServesStatic && STATIC_SERVER.test(normalizeStart(theirs))) return true;
  if (!ours || !theirs) return ours === theirs;
  const a = normalizeStart(ours);
  const b = normalizeStart(theirs);
  if (a === b || globMatches(b, a)) return true;
  const script = scriptOf(a);
  if (script && script === scriptOf(b)) return true;
  if (!startScript) return false;
  const expanded = normalizeStart(startScript);
  const isStart = (c: string) => /^(npm|yarn|pnpm|bun) start$/.test(c);
  return (isStart(a) && expanded === b) || (isStart(b) && expanded === a);
}
