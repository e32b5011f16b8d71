import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Services people own: a name unique per installation, its owner, target and revisions, and its
 * settings, one row per version. Each deployment records its service and the settings version it
 * used. Services deployed before this existed are adopted by the owner who deployed them first.
 */
export class Services1766000000000 implements MigrationInterface {
  name = 'Services1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY,
        owner text NOT NULL,
        name text NOT NULL UNIQUE,
        base_name text NOT NULL,
        target text NOT NULL,
        region text,
        url text,
        repo_url text NOT NULL,
        branch text,
        app_path text,
        current_revision text,
        previous_revision text,
        current_deployment_id uuid,
        previous_deployment_id uuid,
        settings_version int NOT NULL DEFAULT 0,
        stopped boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (owner, base_name)
      )`);
    await db.query(`CREATE INDEX services_owner ON services (owner, name)`);
    await db.query(`
      CREATE TABLE service_settings (
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        version int NOT NULL,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_id, version)
      )`);
    await db.query(`ALTER TABLE deployments ADD COLUMN service_id uuid REFERENCES services(id) ON DELETE SET NULL`);
    await db.query(`ALTER TABLE deployments ADD COLUMN settings_version int`);
    await db.query(`ALTER TABLE deployments ADD COLUMN kind text NOT NULL DEFAULT 'deploy'`);
    // Settings a deploy request brought along (secrets sealed), applied once its service is known.
    await db.query(`ALTER TABLE deployments ADD COLUMN pending_settings jsonb`);
    await db.query(`CREATE INDEX deployments_service ON deployments (service_id, created_at DESC)`);
    // Services from before: the first owner to deploy a name keeps it; its latest live deployment serves.
    await db.query(`
      INSERT INTO services (id, owner, name, base_name, target, region, url, repo_url, branch, app_path, current_revision, current_deployment_id, created_at)
      SELECT gen_random_uuid(), first.owner, first.service_name, first.service_name, coalesce(live.target, first.target), live.region, live.url,
             first.repo_url, first.branch, first.app_path,
             CASE WHEN live.target = 'cloudrun' THEN first.service_name || '-' || left(live.id::text, 8) ELSE live.id::text END, live.id, first.created_at
        FROM (SELECT DISTINCT ON (service_name) * FROM deployments WHERE service_name IS NOT NULL ORDER BY service_name, created_at) first
        LEFT JOIN LATERAL (
          SELECT * FROM deployments d WHERE d.service_name = first.service_name AND d.owner = first.owner AND d.status = 'live'
          ORDER BY d.created_at DESC LIMIT 1) live ON true`);
    await db.query(`
      UPDATE deployments d SET service_id = s.id FROM services s WHERE d.service_name = s.name AND d.owner = s.owner`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX deployments_service');
    await db.query('ALTER TABLE deployments DROP COLUMN pending_settings');
    await db.query('ALTER TABLE deployments DROP COLUMN kind');
    await db.query('ALTER TABLE deployments DROP COLUMN settings_version');
    await db.query('ALTER TABLE deployments DROP COLUMN service_id');
    await db.query('DROP TABLE service_settings');
    await db.query('DROP TABLE services');
  }
}
