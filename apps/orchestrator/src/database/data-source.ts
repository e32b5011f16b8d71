import { DataSource } from 'typeorm';
import { ChatConfirmationEntity, ChatMessageEntity, ChatSessionEntity } from './chat.entity.js';
import { DeploymentEventEntity } from './deployment-event.entity.js';
import { DeploymentEntity } from './deployment.entity.js';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema.js';
import { ChatMemory1765000000000 } from './migrations/1765000000000-chat-memory.js';
import { CancelledBy1765300000000 } from './migrations/1765300000000-cancelled-by.js';
import { Services1766000000000 } from './migrations/1766000000000-services.js';
import { DeploymentPatches1766500000000 } from './migrations/1766500000000-deployment-patches.js';
import { ServiceRolloutTurn1766600000000 } from './migrations/1766600000000-service-rollout-turn.js';
import { ServiceEntity, ServiceSettingsEntity } from './service.entity.js';

export const ENTITIES = [
  DeploymentEntity,
  DeploymentEventEntity,
  ChatSessionEntity,
  ChatMessageEntity,
  ChatConfirmationEntity,
  ServiceEntity,
  ServiceSettingsEntity,
];
export const MIGRATIONS = [
  InitialSchema1764230400000,
  ChatMemory1765000000000,
  CancelledBy1765300000000,
  Services1766000000000,
  DeploymentPatches1766500000000,
  ServiceRolloutTurn1766600000000,
];

/** Any number to lock on: only one orchestrator migrates at a time. */
const MIGRATION_LOCK = 7_301_734;

export function createDataSource(url: string, schema: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    extra: { options: `-c search_path=${schema}`, max: 10, connectionTimeoutMillis: 5000 },
  });
}

/** Connects, then creates the schema if needed and applies pending migrations, both under an advisory lock. */
export async function openDatabase(url: string, schema: string): Promise<DataSource> {
  const dataSource = createDataSource(url, schema);
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    // Under the lock too: two `CREATE SCHEMA IF NOT EXISTS` at once (replicas started together) can both insert it, and one fails.
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
  return dataSource;
}
