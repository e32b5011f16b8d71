import { DomainError } from '#common';
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
