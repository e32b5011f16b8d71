import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/**
 * A NATS server of the test's own (never the shared one), with JetStream storing to a folder that
 * survives its restart; resolves once it takes connections.
 */
export async function startNatsServer(port: number, store: string): Promise<ChildProcess> {
  const child = spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: 'ignore' });
  for (let tries = 0; ; tries++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return child;
    if (child.exitCode !== null || tries >= 100) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
