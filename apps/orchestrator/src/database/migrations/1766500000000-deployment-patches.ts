import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The accepted file fixes a deployment applies to its copy of the source. */
export class DeploymentPatches1766500000000 implements MigrationInterface {
  name = 'DeploymentPatches1766500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deployments ADD COLUMN patches jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE deployments DROP COLUMN patches');
  }
}
