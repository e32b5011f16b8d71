import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who cancelled a deployment: the owner its cancel request came from. */
export class CancelledBy1765300000000 implements MigrationInterface {
  name = 'CancelledBy1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deployments ADD COLUMN cancelled_by text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE deployments DROP COLUMN cancelled_by');
  }
}
