import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Whose turn it is to roll out a new revision of a service, under a lease: one deployment at a time. */
export class ServiceRolloutTurn1766600000000 implements MigrationInterface {
  name = 'ServiceRolloutTurn1766600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE services ADD COLUMN rollout_deployment_id uuid, ADD COLUMN rollout_lease_expires_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE services DROP COLUMN rollout_deployment_id, DROP COLUMN rollout_lease_expires_at');
  }
}
