import { z } from 'zod';
import { accessTokenPath, DomainError, loadConfig, servergemHome } from '#common';
import { JsonLogger, logConfigFields } from '#messaging';
import { startAllInOne } from '../all-in-one.js';

/** `servergem up`: the all-in-one server, until Ctrl-C. */
export async function upCommand(): Promise<number> {
  // With LOG_FORMAT=json every line is a log record, these too; else they are written for a person.
  const json = loadConfig(z.object(logConfigFields)).LOG_FORMAT === 'json' ? new JsonLogger() : null;
  const say = (line: string): void => {
    if (!json) console.log(line);
    else if (line.trim()) json.log(line.trim(), 'servergem');
  };
  const server = await startAllInOne(process.env, say).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const port = process.env.PORT ?? '8000';
      throw new DomainError(
        'INTERNAL',
        `Port ${port} is already in use.`,
        `Stop the other ServerGem (or program) on it, or start with another port: PORT=8001 npm start.`,
      );
    }
    throw error;
  });
  say(`\nServerGem is running at ${server.url}`);
  if (server.loginUrl) {
    // Like Jupyter's: the one link that logs a browser in; the page drops the token from its address.
    say(`Open this link to log in:     ${server.loginUrl}`);
    say(`(the access token is kept in ${accessTokenPath(servergemHome(process.env.SERVERGEM_HOME))})`);
  } else {
    say('Open it and enter one of the tokens set in AUTH_TOKEN under "Access token".');
  }
  say('Deploy from another terminal:  npx servergem deploy examples/node-hello');
  say('Stop with Ctrl-C.\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say('Stopping ServerGem…');
  await server.stop();
  return 0;
}
