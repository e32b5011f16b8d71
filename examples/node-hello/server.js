const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const greeting = process.env.GREETING || 'Hello from ServerGem';

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${greeting}! You asked for ${req.url}\n`);
});

server.listen(port, () => {
  console.log(`node-hello listening on port ${port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
