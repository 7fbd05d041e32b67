import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Managed Agents environments get a table of their own. Sessions learn to tell "deleted" (gone from
 * every route) from "archived" (read-only, still readable): until now a LAP DELETE set archived_at,
 * so those rows move to deleted_at.
 */
export class AddEnvironmentsAndSessionDeletion1765000000000 implements MigrationInterface {
  name = 'AddEnvironmentsAndSessionDeletion1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "environments" (
        "id" text PRIMARY KEY,
        "owner_id" text NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "config" jsonb NOT NULL DEFAULT '{}',
        "metadata" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "archived_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "environments_owner_created" ON "environments" ("owner_id", "created_at")`,
    );
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "deleted_at" timestamptz`);
    await queryRunner.query(
      `UPDATE "sessions" SET "deleted_at" = "archived_at", "archived_at" = NULL WHERE "archived_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "sessions" SET "archived_at" = "deleted_at" WHERE "deleted_at" IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`DROP TABLE "environments"`);
  }
}
