import { describe, expect, it } from 'vitest';
import { isHighEntropy, isSecretPath, looksLikeSecret, redactSecrets } from './secret-filter.js';

describe('secret filter', () => {
  it.each([
    '.env',
    '.env.local',
    'config/.env.production',
    'prod.env',
    'certs/tls.pem',
    'tls.key',
    'id_rsa',
    'id_rsa.pub',
    '.ssh/config',
    'id_ed25519',
    'credentials.json',
    'keys/app.p12',
    'secrets.yaml',
    'secret.json',
    '.npmrc',
    '.pypirc',
    'service-account-prod.json',
  ])('never reads %s', (path) => expect(isSecretPath(path)).toBe(true));

  it.each(['package.json', 'src/env.ts', 'keyboard.js', 'src/secret-santa/README.md', '.env-example.md'])('may read %s', (path) => {
    expect(isSecretPath(path)).toBe(false);
  });

  it.each([
    '-----BEGIN RSA PRIVATE KEY-----\nMIIE',
    'token = "ghp_0123456789abcdefghijABCDEFGHIJ012345"',
    'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    'SLACK=xoxb-1234567890-abcdefghij',
    'signing: "q8Zr3LmX0vTb7WkN2pYd5HsJ9cFa"',
  ])('withholds a file holding %j', (text) => expect(looksLikeSecret(text)).toBe(true));

  it('does not take hex digests, paths or words for secrets', () => {
    expect(looksLikeSecret('ARG NODE_SHA=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe(false);
    expect(looksLikeSecret('"main": "dist/server/entry-point/index.js"')).toBe(false);
    expect(isHighEntropy('a-perfectly-ordinary-package-name')).toBe(false);
  });

  it.each([
    ['API_KEY=abc123', 'API_KEY=[redacted]'],
    ['export DB_PASSWORD=hunter2', 'export DB_PASSWORD=[redacted]'],
    ['ENV SESSION_SECRET s3cr3t', 'ENV SESSION_SECRET [redacted]'],
    ['  auth_token: abc', '  auth_token: [redacted]'],
    ['"clientSecret": "abc"', '"clientSecret": "[redacted]"'],
    ["SECRET_KEY = 'django-insecure-x'", "SECRET_KEY = '[redacted]'"],
    ['DATABASE_URL=postgres://u:pw@db/app', 'DATABASE_URL=[redacted]'],
    ['url: "mysql://root:pw@db/app"', 'url: "mysql://root:[redacted]@db/app"'],
  ])('redacts the value in %j', (input, output) => expect(redactSecrets(input)).toBe(output));

  it.each(['const key = process.env.API_KEY;', 'API_KEY=${API_KEY}', 'token = os.environ["TOKEN"]', 'PORT=3000', 'ENV SECRET_NAME=', 'api_key: $API_KEY'])(
    'keeps %j as it is: names and references are not secrets',
    (text) => expect(redactSecrets(text)).toBe(text),
  );
});
