/**
 * What may leave the machine on its way to Gemini (shared/SECURITY.md, "Secrets"): secret files
 * never, files that look like they hold a key or token never, and secret-looking values inside the
 * files that are sent are replaced with a marker. Names of environment variables may go; values not.
 */

const SECRET_FILE_NAMES: readonly RegExp[] = [
  /^\.env(\..*)?$/i,
  /\.env$/i,
  /\.(pem|key|p12|pfx|jks|keystore|crt|cer|der|ppk|asc|gpg)$/i,
  /^id_(rsa|dsa|ecdsa|ed25519)/i,
  /^credentials(\..*)?$/i,
  /^secrets?(\..*)?$/i,
  /^\.(npmrc|pypirc|netrc|git-credentials|htpasswd|pgpass|dockercfg)$/i,
  /^(service[-_]?account|client[-_]?secret).*\.json$/i,
  /\.tfstate(\.backup)?$/i,
];
const SECRET_DIRS = /(^|\/)(\.ssh|\.aws|\.gnupg|\.docker|\.kube|\.git)\//i;

/** Markers of a private key or a well-known token format anywhere in a file. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /-----BEGIN[ A-Z]*(PRIVATE KEY|CERTIFICATE|PGP)[ A-Z]*-----/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\bxox[abpors]-[A-Za-z0-9-]{10,}/,
  /\bAIza[0-9A-Za-z_-]{35}\b/,
  /\bsk_(live|test)_[0-9A-Za-z]{16,}/,
  /\bsk-(proj-)?[A-Za-z0-9_-]{20,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/,
  /"private_key"\s*:/,
];

/** A name that says its value is a secret (same spirit as detect/env-vars.ts). */
const SECRET_NAME = String.raw`(?:[A-Za-z_][\w.-]*?)?(?:secret|token|passw(?:or)?d|pwd|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credential|auth|dsn|database[_-]?url|conn(?:ection)?[_-]?string|salt)[\w.-]*`;
/** `NAME = "value"`, `"name": 'value'`, `name: value` with a literal value. */
const QUOTED_SECRET = new RegExp(String.raw`(["']?\b${SECRET_NAME}["']?\s*[:=]\s*)(["'\`])([^"'\`\n]*)\2`, 'gi');
/** Unquoted literals in env/ini/YAML/Dockerfile style: `API_KEY=abc`, `ENV TOKEN abc`, `token: abc`. */
const BARE_SECRET = new RegExp(
  String.raw`(^|[\s;])((?:export\s+|ENV\s+|ARG\s+)?${SECRET_NAME}\s*(?:[:=]\s*|\s+))(?![\s"'\`$#{(\[=:]|process\.|os\.|env\b|ENV\b|System\.)([^\s#,;]+)`,
  'gim',
);
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)([^@\s/]+)(@)/gi;
const ASSIGNED_LITERAL = /[:=]\s*["'`]?([A-Za-z0-9+/_.-]{24,}={0,2})/g;

export const REDACTED = '[redacted]';

/** True for files that are never read for Gemini, whatever they hold. */
export function isSecretPath(path: string): boolean {
  if (SECRET_DIRS.test(path)) return true;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return SECRET_FILE_NAMES.some((pattern) => pattern.test(name));
}

/** True when the text holds a private key, a well-known token or a long high-entropy assignment. */
export function looksLikeSecret(text: string): boolean {
  if (TOKEN_PATTERNS.some((pattern) => pattern.test(text))) return true;
  for (const match of text.matchAll(ASSIGNED_LITERAL)) {
    if (isHighEntropy(match[1]!)) return true;
  }
  return false;
}

/** Every string inside a JSON value passed through {@link redactSecrets}. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T;
  }
  return value;
}

/** Replaces secret-looking values (never names) with a marker. */
export function redactSecrets(text: string): string {
  let out = text.replace(URL_PASSWORD, `$1${REDACTED}$3`);
  out = out.replace(QUOTED_SECRET, (_all, head: string, quote: string, value: string) =>
    value === '' || value === REDACTED ? `${head}${quote}${value}${quote}` : `${head}${quote}${REDACTED}${quote}`,
  );
  out = out.replace(BARE_SECRET, (all, lead: string, head: string, value: string) => (value === REDACTED ? all : `${lead}${head}${REDACTED}`));
  for (const pattern of TOKEN_PATTERNS) out = out.replace(new RegExp(pattern.source, 'g'), REDACTED);
  return out;
}

/**
 * Random-looking: long, several character classes and close to the entropy of random text. Hex
 * digests and ordinary words fall below it.
 */
export function isHighEntropy(value: string): boolean {
  if (value.length < 24 || /^[a-z.-]+$/i.test(value) || value.startsWith('/')) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(value)).length;
  if (classes < 3) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= 4.2;
}
