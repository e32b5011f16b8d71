// Nest's dependency injection reads the decorators' metadata.
import 'reflect-metadata';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { appIdentity, InstallationLayout, isolationNotice, loadConfig, servergemHome } from '#common';
import { InProcessBus, startMicroservice, transportSettings, useLogFormat } from '#messaging';
import { analyzerConfigSchema } from '../../analyzer/src/analyzer.config.js';
import { AnalyzerModule } from '../../analyzer/src/analyzer.module.js';
import { builderConfigSchema } from '../../builder/src/builder.config.js';
import { BuilderModule } from '../../builder/src/builder.module.js';
import { deployerConfigSchema } from '../../deployer/src/deployer.config.js';
import { DeployerModule } from '../../deployer/src/deployer.module.js';
import { startGateway } from '../../gateway/src/gateway.bootstrap.js';
import { AccessTokens } from '../../gateway/src/access-tokens.js';
import { assertSafeBinding, gatewayConfigSchema, isLoopback } from '../../gateway/src/gateway.config.js';
import { orchestratorConfigSchema } from '../../orchestrator/src/orchestrator.config.js';
import { OrchestratorModule } from '../../orchestrator/src/orchestrator.module.js';
import { allInOneConfigSchema } from './all-in-one.config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js';
import { lockHome } from './home-lock.js';

export interface AllInOne {
  url: string;
  /** A token the server accepts: the install's own (under SERVERGEM_HOME) or the first of AUTH_TOKEN. */
  token: string;
  /** `url` with the install's token, which logs a browser in; null when AUTH_TOKEN is set (never printed). */
  loginUrl: string | null;
  databaseUrl: string;
  /** Where the database cluster, releases and apps' homes are (the home itself unless root). */
  sharedDir: string;
  stop(): Promise<void>;
}

/**
 * The composition root of the all-in-one mode: the five services in one process, wired by the
 * in-process transport (or NATS when NATS_URL is set), with an embedded PostgreSQL unless
 * DATABASE_URL is set. Nothing imports this but the CLI and the tests.
 */
export async function startAllInOne(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.log): Promise<AllInOne> {
  // A bad token or an unsafe binding stops the start before anything is started.
  const gatewayConfig = loadConfig(gatewayConfigSchema, env);
  assertSafeBinding(gatewayConfig);
  const config = loadConfig(allInOneConfigSchema, env);
  const home = servergemHome(config.SERVERGEM_HOME);
  const unlock = lockHome(home);
  let database: EmbeddedDatabase | undefined;
  const apps: (INestApplication | INestMicroservice)[] = [];
  try {
    // Said once, at start: who the apps run as and what they can reach.
    const notice = isolationNotice(await appIdentity(config.APP_USER), home);
    log(notice.level === 'warn' ? `Warning: ${notice.text}` : notice.text);
    const layout = InstallationLayout.resolve({ home, sharedDir: config.SERVERGEM_SHARED_DIR });
    if (!config.DATABASE_URL) database = await startEmbeddedDatabase({ layout, log });
    const shared: NodeJS.ProcessEnv = {
      ...env,
      SERVERGEM_HOME: home,
      SERVERGEM_SHARED_DIR: layout.shared,
      DATABASE_URL: config.DATABASE_URL ?? database!.url,
      // Local folders are only for a server no one else can reach.
      ALLOW_LOCAL_SOURCES: env.ALLOW_LOCAL_SOURCES ?? String(isLoopback(gatewayConfig.HOST)),
    };
    const bus = new InProcessBus();
    const settings = transportSettings(gatewayConfig, bus);
    // Start-up chatter of five services would bury what matters; warnings and errors still show.
    const quiet = { shutdownHooks: false, logger: useLogFormat(config.LOG_FORMAT, ['warn', 'error']) };
    apps.push(await startMicroservice(OrchestratorModule.forRoot(loadConfig(orchestratorConfigSchema, shared), bus), 'orchestrator', settings, quiet));
    apps.push(await startMicroservice(AnalyzerModule.forRoot(loadConfig(analyzerConfigSchema, shared), bus), 'analyzer', settings, quiet));
    apps.push(await startMicroservice(BuilderModule.forRoot(loadConfig(builderConfigSchema, shared), bus), 'builder', settings, quiet));
    apps.push(await startMicroservice(DeployerModule.forRoot(loadConfig(deployerConfigSchema, shared), bus), 'deployer', settings, quiet));
    const gateway = await startGateway(loadConfig(gatewayConfigSchema, shared), bus, quiet);
    apps.push(gateway);
    const url = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
    const tokens = gateway.get(AccessTokens);
    return {
      url,
      token: tokens.anyToken,
      loginUrl: tokens.loginToken ? `${url}/?token=${encodeURIComponent(tokens.loginToken)}` : null,
      databaseUrl: shared.DATABASE_URL!,
      sharedDir: layout.shared,
      stop: async () => {
        await closeAll(apps);
        await database?.stop();
        unlock();
      },
    };
  } catch (error) {
    await closeAll(apps);
    await database?.stop().catch(() => undefined);
    unlock();
    throw error;
  }
}

async function closeAll(apps: (INestApplication | INestMicroservice)[]): Promise<void> {
  // The gateway first, the orchestrator (and its database pool) last.
  for (const app of [...apps].reverse()) await app.close().catch(() => undefined);
}
