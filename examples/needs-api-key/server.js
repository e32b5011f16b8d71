const http = require('node:http');
const { createHash } = require('node:crypto');

const port = Number(process.env.PORT || 3000);
const greeting = process.env.GREETING || 'Hello';

// No default on purpose: the app cannot work without a key.
if (!process.env.API_KEY) {
  console.error('API_KEY is not set');
  process.exit(1);
}

/** A key or secret is never shown, only a fingerprint that proves which value the app has. */
function fingerprint(value) {
  return value ? createHash('sha256').update(value).digest('hex').slice(0, 16) : null;
}

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      greeting,
      apiKeySha256: fingerprint(process.env.API_KEY),
      webhookSecretSha256: fingerprint(process.env.WEBHOOK_SECRET ?? null),
      path: req.url,
    }),
  );
});

server.listen(port, () => {
  console.log(`needs-api-key listening on port ${port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
