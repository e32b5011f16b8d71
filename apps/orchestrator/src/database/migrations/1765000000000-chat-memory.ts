import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The chat agent's memory: each session's focus, and the confirmations its buttons carry. */
export class ChatMemory1765000000000 implements MigrationInterface {
  name = 'ChatMemory1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE chat_sessions ADD COLUMN focus jsonb NOT NULL DEFAULT '{}'`);
    await db.query(`CREATE INDEX chat_sessions_owner_updated ON chat_sessions (owner, updated_at DESC)`);
    await db.query(`
      CREATE TABLE chat_confirmations (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        owner text NOT NULL,
        call jsonb NOT NULL,
        intent jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        dismissed_at timestamptz,
        result jsonb
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE chat_confirmations');
    await db.query('DROP INDEX chat_sessions_owner_updated');
    await db.query('ALTER TABLE chat_sessions DROP COLUMN focus');
  }
}
