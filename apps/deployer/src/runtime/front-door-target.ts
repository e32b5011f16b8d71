/**
 * Where a service's front door sends requests, from its state.json: the private port of the app
 * serving now, or none while it is stopped, crashed or not deployed yet (the door answers 503).
 * Shared by the deployer and the front-door process, which reads the file itself.
 */
export function frontDoorTarget(state: unknown): number | null {
  if (!state || typeof state !== 'object') return null;
  const { desired, process } = state as { desired?: unknown; process?: { privatePort?: unknown } | null };
  if (desired !== 'running') return null;
  const port = process?.privatePort;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 ? port : null;
}
