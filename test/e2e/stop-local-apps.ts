import { rmSync } from 'node:fs';
import { loadConfig, recordedSharedDir } from '#common';
import { deployerConfigSchema } from '../../apps/deployer/src/deployer.config.js';
import { LocalDeployDriver } from '../../apps/deployer/src/drivers/local-deploy.driver.js';

/** Apps on the local target outlive ServerGem on purpose, so a test stops the ones it started. */
export async function stopLocalApps(home: string): Promise<void> {
  await new LocalDeployDriver(loadConfig(deployerConfigSchema, { SERVERGEM_HOME: home })).stopAll();
}

/** Stops the installation's apps and removes its folders: the home and, as root, its shared folder outside it. */
export async function removeInstallation(home: string): Promise<void> {
  await stopLocalApps(home);
  const shared = recordedSharedDir(home);
  if (shared) rmSync(shared, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
