import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agents, sessions and the session_events projection. Columns for the Managed Agents API (tools,
 * mcp_servers, metadata, version, environment_id, archived_at) exist from the start, so adding those
 * routes needs no reshaping of data.
 */
export class CreateGatewayTables1764345600000 implements MigrationInterface {
  name = 'CreateGatewayTables1764345600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agents" (
        "id" text PRIMARY KEY,
        "owner_id" text NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "runtime" text NOT NULL,
        "model" text NOT NULL,
        "system" text,
        "tools" jsonb NOT NULL DEFAULT '[]',
        "mcp_servers" jsonb NOT NULL DEFAULT '[]',
        "metadata" jsonb NOT NULL DEFAULT '{}',
        "version" integer NOT NULL DEFAULT 1,
        "status" text NOT NULL DEFAULT 'active',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "archived_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "agents_owner_created" ON "agents" ("owner_id", "created_at")`);

    await queryRunner.query(`
      CREATE TABLE "sessions" (
        "id" text PRIMARY KEY,
        "owner_id" text NOT NULL,
        "agent_id" text NOT NULL REFERENCES "agents" ("id"),
        "agent_snapshot" jsonb NOT NULL,
        "runtime" text NOT NULL,
        "title" text,
        "status" text NOT NULL,
        "environment_id" text,
        "environment" jsonb NOT NULL DEFAULT '{}',
        "metadata" jsonb NOT NULL DEFAULT '{}',
        "outputs" jsonb NOT NULL DEFAULT '{}',
        "last_event_seq" bigint NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "archived_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "sessions_owner_created" ON "sessions" ("owner_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "sessions_agent" ON "sessions" ("agent_id")`);

    // No foreign key to sessions: events may be projected before (or without) their session row.
    await queryRunner.query(`
      CREATE TABLE "session_events" (
        "seq" bigint PRIMARY KEY,
        "event_id" text NOT NULL,
        "session_id" text NOT NULL,
        "type" text NOT NULL,
        "body" jsonb NOT NULL,
        "processed_at" timestamptz NOT NULL,
        CONSTRAINT "session_events_event_id_key" UNIQUE ("event_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "session_events_session_seq" ON "session_events" ("session_id", "seq")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "session_events"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP TABLE "agents"`);
  }
}
