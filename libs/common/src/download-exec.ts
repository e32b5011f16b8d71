import { parse, type ParseEntry } from 'shell-quote';

/** A place where shell text runs something it has just downloaded. */
export interface DownloadExec {
  /** Which script of the sequence runs it (a RUN line, a build command). */
  index: number;
  /** `pipe`: a download piped into an interpreter; the others run a downloaded file or a download's output. */
  kind: 'pipe' | 'file' | 'substitution';
  message: string;
}

const DOWNLOADERS = new Set(['curl', 'wget', 'aria2c', 'fetch']);
const DOWNLOADER_WORD = /\b(curl|wget|aria2c)\b/;
/** Programs that run the text or file they are given. */
const INTERPRETER =
  /^(?:(?:ba|z|da|k|a|c|tc|fi)?sh|python[\d.]*|pypy[\d.]*|perl[\d.]*|node|nodejs|ruby[\d.]*|php[\d.]*|bun|deno|lua[\d.]*|tclsh|pwsh|source|\.|eval)$/;
/** Programs that run the command after them. */
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'exec', 'nohup', 'command', 'time', 'nice', 'xargs', 'busybox', 'stdbuf', 'timeout']);
/** curl's and wget's short options that take a value (so `-fsSLo f` is -f -s -S -L -o f). */
const VALUE_FLAGS: Record<string, string> = { curl: 'bcCdDeEFHKmoPQrTuUwxXyYz', wget: 'aABDeiIlOoPQRtTUwX' };
const MAX_DEPTH = 3;

interface Command {
  words: string[];
  outputs: string[];
  inputs: string[];
  /** Fed by an earlier command of the same pipeline. */
  piped: boolean;
}

/**
 * Finds shell text that downloads code and runs it, across a sequence of scripts (the RUN lines of a
 * Dockerfile, or the build commands of a plan, in order): a download piped into an interpreter
 * (`curl … | sh`, `wget -qO- … | python`), a downloaded file later run (`curl -o f … && sh f`,
 * `chmod +x f`, `./f`, in the same script or a later one), and a download's output run through
 * process or command substitution (`bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(wget -qO- …)"`).
 * A heuristic over what the text says, not a sandbox: it exists so that text a repository or a model
 * slipped into a command is refused, and is written to have no false negatives on those forms.
 */
export function findDownloadExec(scripts: readonly string[]): DownloadExec[] {
  const downloaded = new Set<string>();
  const findings: DownloadExec[] = [];
  scripts.forEach((script, index) => scan(script, index, downloaded, findings, 0));
  return findings;
}

function scan(script: string, index: number, downloaded: Set<string>, findings: DownloadExec[], depth: number): void {
  // The text of a `sh -c "…"` script inside was already searched for substitutions as part of its parent.
  if (depth === 0) findings.push(...substitutions(script).map((message) => ({ index, kind: 'substitution' as const, message })));
  const pipelines = commandsOf(script);
  for (const pipeline of pipelines) {
    let downloadUpstream: string | null = null;
    for (const command of pipeline) {
      const words = unwrap(command.words);
      const program = basename(words[0] ?? '');
      if (command.piped && downloadUpstream && INTERPRETER.test(program)) {
        findings.push({ index, kind: 'pipe', message: `pipes a download (${downloadUpstream}) into ${program}` });
      }
      if (command.piped && downloadUpstream && program === 'tee') for (const file of words.slice(1).filter((w) => !w.startsWith('-'))) downloaded.add(file);
      if (DOWNLOADERS.has(program)) {
        downloadUpstream = program;
        for (const file of [...downloadOutputs(program, words.slice(1)), ...command.outputs]) downloaded.add(file);
      } else if (downloadUpstream && command.outputs.length > 0) {
        for (const file of command.outputs) downloaded.add(file);
      }
      const ran = runsDownloaded(words, command.inputs, downloaded);
      if (ran) findings.push({ index, kind: 'file', message: `runs ${ran}, which an earlier command downloaded` });
      // `sh -c "…"`: the script inside is shell text too.
      const inline = INTERPRETER.test(program) ? words.indexOf('-c') : -1;
      if (inline > 0 && words[inline + 1] && depth < MAX_DEPTH) scan(words[inline + 1]!, index, downloaded, findings, depth + 1);
    }
  }
}

/** `bash <(curl …)`, `sh -c "$(curl …)"`, `` eval `wget -O- …` ``, `$(curl …)` as the command itself. */
function substitutions(script: string): string[] {
  const found: string[] = [];
  for (const match of script.matchAll(/(\$\(|[<>]\(|`)([^`)]*)/g)) {
    const [, opener, body] = match;
    if (!DOWNLOADER_WORD.test(body!)) continue;
    const before =
      script
        .slice(0, match.index)
        .split(/&&|\|\||[;|\n]/)
        .pop() ?? '';
    const words = unwrap(before.replace(/["']/g, ' ').trim().split(/\s+/).filter(Boolean));
    const program = basename(words[0] ?? '');
    const downloader = DOWNLOADER_WORD.exec(body!)![1];
    if (opener === '<(' || opener === '>(') {
      if (words.length === 0 || INTERPRETER.test(program)) found.push(`runs a download (${downloader}) through process substitution`);
    } else if (words.length === 0 || INTERPRETER.test(program)) {
      found.push(`runs a download's output (${downloader}) through command substitution${program ? ` in ${program}` : ''}`);
    }
  }
  return found;
}

/** The script's pipelines, each a list of simple commands with their redirects. */
function commandsOf(script: string): Command[][] {
  let tokens: ParseEntry[];
  try {
    tokens = parse(separateLines(script), (name) => `$${name}`) as ParseEntry[];
  } catch {
    tokens = script.split(/\s+/).filter(Boolean);
  }
  const pipelines: Command[][] = [[]];
  let current: Command = { words: [], outputs: [], inputs: [], piped: false };
  let redirect: 'out' | 'in' | null = null;
  const end = (next: 'pipe' | 'new') => {
    if (current.words.length > 0) pipelines.at(-1)!.push(current);
    if (next === 'new' && pipelines.at(-1)!.length > 0) pipelines.push([]);
    current = { words: [], outputs: [], inputs: [], piped: next === 'pipe' };
  };
  for (const token of tokens) {
    if (typeof token === 'string') {
      if (redirect === 'out') current.outputs.push(token);
      else if (redirect === 'in') current.inputs.push(token);
      else current.words.push(token);
      redirect = null;
    } else if ('comment' in token) {
      break;
    } else if (token.op === 'glob') {
      current.words.push(token.pattern);
    } else if (token.op === '|' || token.op === '|&') {
      end('pipe');
    } else if (['>', '>>', '>|', '&>', '&>>', '>&'].includes(token.op)) {
      redirect = 'out';
    } else if (['<', '<<', '<<-', '<<<', '<&', '<>'].includes(token.op)) {
      redirect = 'in';
    } else {
      end('new');
    }
  }
  end('new');
  return pipelines.filter((p) => p.length > 0);
}

/** Line breaks end commands, but shell-quote reads them as spaces: make the unquoted ones `;`. */
function separateLines(script: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === '\\' && quote !== "'") {
      // A backslash-newline continues the line.
      out += script[i + 1] === '\n' ? ' ' : c + (script[i + 1] ?? '');
      i += 1;
    } else if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else {
      out += c === '\n' ? ' ; ' : c;
    }
  }
  return out;
}

/** The command with sudo/env/exec and leading assignments taken off: `sudo -E bash x` → `bash x`. */
function unwrap(words: string[]): string[] {
  let rest = words;
  for (let guard = 0; guard < 8; guard++) {
    const first = rest[0];
    if (first === undefined) return rest;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) rest = rest.slice(1);
    else if (WRAPPERS.has(basename(first))) {
      rest = rest.slice(1);
      while (rest[0]?.startsWith('-') || /^\d+[smhd]?$/.test(rest[0] ?? '')) rest = rest.slice(1);
    } else return rest;
  }
  return rest;
}

/** Where curl or wget writes what it fetches (nothing for stdout). */
function downloadOutputs(program: string, args: string[]): string[] {
  const outputs: string[] = [];
  const urls = args.filter((a) => /^[a-z][a-z0-9+.-]*:\/\//i.test(a));
  let remoteName = program === 'wget' || program === 'aria2c' || program === 'fetch';
  const values = VALUE_FLAGS[program] ?? '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const long = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (long) {
      const [, name, inline] = long;
      const value = () => inline ?? args[++i] ?? '';
      if (name === 'output' || name === 'output-document' || name === 'out') {
        const file = value();
        if (file !== '-') outputs.push(file);
        remoteName = false;
      } else if (name === 'remote-name' || name === 'remote-name-all') remoteName = true;
      continue;
    }
    if (!/^-[^-]/.test(arg)) continue;
    for (let c = 1; c < arg.length; c++) {
      const letter = arg[c]!;
      if (program === 'curl' && letter === 'O') remoteName = true;
      if (!values.includes(letter)) continue;
      const value = c + 1 < arg.length ? arg.slice(c + 1) : (args[++i] ?? '');
      const output = program === 'curl' ? letter === 'o' : letter === 'O';
      if (output) {
        remoteName = false;
        if (value !== '-') outputs.push(value);
      }
      break;
    }
  }
  if (remoteName) outputs.push(...urls.map((url) => basename(url.replace(/[?#].*$/, '').replace(/\/+$/, '/index.html'))));
  return outputs;
}

/** The downloaded file a command runs, if it runs one. */
function runsDownloaded(words: string[], inputs: string[], downloaded: Set<string>): string | null {
  if (downloaded.size === 0 || words.length === 0) return null;
  const isDownloaded = (path: string) => [...downloaded].some((file) => file === path || basename(file) === basename(path));
  const program = basename(words[0]!);
  if (words[0]!.includes('/') && isDownloaded(words[0]!)) return words[0]!;
  if (INTERPRETER.test(program)) {
    const file = words.slice(1).find((w) => !w.startsWith('-'));
    if (file && isDownloaded(file)) return `${program} ${file}`;
    const stdin = inputs.find(isDownloaded);
    if (stdin) return `${program} < ${stdin}`;
  }
  if (program === 'chmod' && words.slice(1).some((w) => /^(?:[ugoa]*\+[rwX]*x|[0-7]*[1357][0-7]{0,2})$/.test(w))) {
    const file = words.slice(1).find((w) => !w.startsWith('-') && !/^[ugoa]*[+=-]|^[0-7]+$/.test(w) && isDownloaded(w));
    if (file) return `chmod +x ${file}`;
  }
  return null;
}

function basename(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}
