import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Module, type INestMicroservice, type Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InProcessBus, MessagingModule, startMicroservice } from '#messaging';
import { TEST_DATABASE_URL } from '#testing';
import { OrchestratorModule } from '../orchestrator.module.js';
import { orchestratorConfigSchema } from '../orchestrator.config.js';

/** Orchestrators of one test installation (a schema of its own), with fake workers on their bus. */
export interface Orchestrators {
  orchestrators: INestMicroservice[];
  /** The first orchestrator. */
  orchestrator: INestMicroservice;
  db: DataSource;
  /** Stops the workers, drops the schema, stops the orchestrators. */
  close(): Promise<void>;
}

/** Starts `count` orchestrators sharing one database schema and one in-process bus, and `workers` (a controller) as the workers. */
export async function startOrchestrators(name: string, workers: Type, count = 1): Promise<Orchestrators> {
  const schema = `unit_${name}_${randomBytes(4).toString('hex')}`;
  const bus = new InProcessBus();
  const config = orchestratorConfigSchema.parse({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, SERVERGEM_SECRET_KEY: 'c'.repeat(64) });
  const orchestrators: INestMicroservice[] = [];
  for (let i = 0; i < count; i++) {
    orchestrators.push(await startMicroservice(OrchestratorModule.forRoot(config, bus), 'orchestrator', { bus }, { shutdownHooks: false, logger: ['error'] }));
  }
  @Module({ imports: [MessagingModule.forRoot('workers', { bus })], controllers: [workers] })
  class WorkersModule {}
  const fakes = await startMicroservice({ module: WorkersModule }, 'workers', { bus }, { shutdownHooks: false, logger: ['error'] });
  const db = orchestrators[0]!.get(DataSource);
  return {
    orchestrators,
    orchestrator: orchestrators[0]!,
    db,
    async close() {
      await fakes.close();
      await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      for (const o of orchestrators) await o.close();
    },
  };
}
