import { afterEach, describe, expect, it } from 'vitest';
import { tempApps } from '#testing';
import { analyzeSource } from './analyze.js';

const { app, cleanup } = tempApps('servergem-overlay-');
afterEach(cleanup);

describe('Procfile overlay', () => {
  it("takes a Procfile's web process once, even when the detector read it too", async () => {
    const report = await analyzeSource(
      app({ 'requirements.txt': 'flask\n', 'app.py': 'from flask import Flask\napp = Flask(__name__)\n', Procfile: 'web: gunicorn app:app\n' }),
    );
    expect(report.commands.start).toBe('gunicorn app:app');
    expect(report.evidence.filter((e) => e.field === 'commands.start' && e.file === 'Procfile')).toHaveLength(1);
  });

  it('applies to any language, e.g. a Node.js app', async () => {
    const report = await analyzeSource(app({ 'package.json': '{"scripts":{"start":"node a.js"}}', 'a.js': '', Procfile: 'web: node a.js --cluster\n' }));
    expect(report.commands.start).toBe('node a.js --cluster');
  });

  it("ignores Heroku's PHP buildpack commands, which exist only on Heroku", async () => {
    const report = await analyzeSource(
      app({ 'composer.json': '{"require":{"php":"^8.3"}}', 'public/index.php': '<?php echo 1;', Procfile: 'web: heroku-php-apache2 public/\n' }),
    );
    expect(report.commands.start).not.toContain('heroku-php');
  });
});
