import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per events stream: how far the projection has got (every event up to `stream_seq` is
 * projected) and which gateway replica projects it (`holder`, until `lease_expires_at`). The replica
 * holding the lease projects from its live feed, so each event reaches the gateway once. No row yet
 * means nothing is projected: the first leader reads the stream from its start (what a replica had
 * projected before this table existed is projected again, changing nothing).
 */
export class AddProjectionCheckpoints1767000000000 implements MigrationInterface {
  name = 'AddProjectionCheckpoints1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "projection_checkpoints" (
        "stream" text PRIMARY KEY,
        "stream_seq" bigint NOT NULL DEFAULT 0,
        "holder" text,
        "lease_expires_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "projection_checkpoints"`);
  }
}
