import { loadConfig } from '#common';
import { deployerConfigSchema } from '../../apps/deployer/src/deployer.config.js';
import { LocalDeployDriver } from '../../apps/deployer/src/drivers/local-deploy.driver.js';

/** Apps on the local target outlive ServerGem on purpose, so a test stops the ones it started. */
export async function stopLocalApps(home: string): Promise<void> {
  await new LocalDeployDriver(loadConfig(deployerConfigSchema, { SERVERGEM_HOME: home })).stopAll();
}
