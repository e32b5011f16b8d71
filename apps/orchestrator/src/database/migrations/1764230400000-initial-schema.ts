import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE deployments (
        id uuid PRIMARY KEY,
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        session_id uuid,
        status text NOT NULL CHECK (status IN ('queued','running','live','failed','cancelled')),
        stage text NOT NULL,
        progress int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        repo_url text NOT NULL,
        branch text,
        app_path text,
        commit_sha text,
        target text NOT NULL,
        service_name text,
        url text,
        image text,
        region text,
        error_code text,
        error_message text,
        error_hint text,
        report jsonb,
        artifact jsonb,
        sealed_token text,
        last_seq int NOT NULL DEFAULT 0,
        attempts int NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX deployments_owner_created ON deployments (owner, created_at DESC)`);
    await db.query(`CREATE INDEX deployments_unfinished ON deployments (status) WHERE status IN ('queued','running')`);
    await db.query(`
      CREATE TABLE deployment_events (
        id bigserial PRIMARY KEY,
        deployment_id uuid NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        seq int NOT NULL,
        stage text NOT NULL,
        progress int NOT NULL,
        message text NOT NULL,
        logs jsonb NOT NULL DEFAULT '[]',
        outcome jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (deployment_id, seq)
      )`);
    await db.query(`
      CREATE TABLE chat_sessions (
        id uuid PRIMARY KEY,
        owner text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE chat_messages (
        id bigserial PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('user','assistant')),
        content text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX chat_messages_session ON chat_messages (session_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE chat_messages');
    await db.query('DROP TABLE chat_sessions');
    await db.query('DROP TABLE deployment_events');
    await db.query('DROP TABLE deployments');
  }
}
