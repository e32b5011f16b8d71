import { describe, expect, it } from 'vitest';
import { equivalentStart, normalizeStart } from './start-equivalence.js';

describe(normalizeStart.name, () => {
  it.each([
    ['python manage.py migrate && gunicorn --bind 0.0.0.0:${PORT:-8000} mysite.wsgi:application', 'gunicorn mysite.wsgi'],
    ['dotnet out/api.dll', 'out/api'],
    ['java -Dserver.port=$PORT $JAVA_OPTS -jar target/*jar', 'java -jar target/*jar'],
    ['java $JAVA_OPTS -jar $(ls -1 build/libs/*.jar | grep -v plain)', 'java -jar build/libs/*jar'],
    ['uvicorn main:app --host 0.0.0.0 --port ${PORT:-8000}', 'uvicorn main:app'],
    ['ASPNETCORE_URLS=http://0.0.0.0:${PORT:-3000} ./out/api', 'out/api'],
    ['java  $JAVA_OPTS -jar target/*jar', 'java -jar target/*jar'],
    ['npm run start', 'npm start'],
    ["gunicorn --bind 0.0.0.0:${PORT:-8000} 'app:create_app()'", 'gunicorn app:create_app()'],
    ['caddy run --config /Caddyfile --adapter caddyfile 2>&1', 'caddy run --config /Caddyfile --adapter caddyfile'],
  ])('%s → %s', (input, output) => {
    expect(normalizeStart(input)).toBe(output);
  });
});

describe(equivalentStart.name, () => {
  it('matches different phrasings of one command', () => {
    expect(equivalentStart('gunicorn main:app --bind 0.0.0.0:$PORT', 'gunicorn --bind 0.0.0.0:${PORT:-8000} main:app')).toBe(true);
    expect(equivalentStart('java -jar target/*.jar', 'java  $JAVA_OPTS -jar target/*jar')).toBe(true);
  });

  it('matches the start script and its command', () => {
    expect(equivalentStart('npm start', 'node index.js', 'node index.js')).toBe(true);
  });

  it('tells different commands apart', () => {
    expect(equivalentStart('python app.py', 'python main.py')).toBe(false);
    expect(equivalentStart('npm start', 'node other.js', 'node index.js')).toBe(false);
    expect(equivalentStart(null, 'npm start')).toBe(false);
  });
});

describe('equivalentStart, semantic cases', () => {
  it('counts a static file server as equivalent when we serve the static site', () => {
    expect(equivalentStart(null, 'caddy run --config /Caddyfile --adapter caddyfile 2>&1', undefined, true)).toBe(true);
    expect(equivalentStart(null, 'caddy run --config /Caddyfile --adapter caddyfile 2>&1', undefined, false)).toBe(false);
  });

  it('matches one shell script however it is invoked', () => {
    expect(equivalentStart('bash run.sh', './run.sh')).toBe(true);
    expect(equivalentStart('bash run.sh', './start.sh')).toBe(false);
  });

  it("matches a peer's glob against our concrete file", () => {
    expect(equivalentStart('java -jar target/app-1.0.jar', 'java  $JAVA_OPTS -jar target/*jar')).toBe(true);
    expect(equivalentStart('java -jar build/app.jar', 'java -jar target/*jar')).toBe(false);
  });
});
