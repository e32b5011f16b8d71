import { accessTokenPath, DomainError, servergemHome } from '#common';
import { startAllInOne } from '../all-in-one.js';

/** `servergem up`: the all-in-one server, until Ctrl-C. */
export async function upCommand(): Promise<number> {
  const server = await startAllInOne(process.env).catch((error: unknown) => {
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
  console.log(`\nServerGem is running at ${server.url}`);
  if (server.loginUrl) {
    // Like Jupyter's: the one link that logs a browser in; the page drops the token from its address.
    console.log(`Open this link to log in:     ${server.loginUrl}`);
    console.log(`(the access token is kept in ${accessTokenPath(servergemHome(process.env.SERVERGEM_HOME))})`);
  } else {
    console.log('Open it and enter one of the tokens set in AUTH_TOKEN under "Access token".');
  }
  console.log('Deploy from another terminal:  npx servergem deploy examples/node-hello');
  console.log('Stop with Ctrl-C.\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('Stopping ServerGem…');
  await server.stop();
  return 0;
}
