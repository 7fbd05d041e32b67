import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events carry their number in the session (`Lap-Event-Number`) instead of their predecessor's stream
 * sequence, so the projection remembers the last one's number to tell a missing predecessor. Sessions
 * with events already projected do not know it (null): their next event is applied without the check.
 * No default: a row an older gateway inserts during a rollout does not know it either (the gateway
 * writes 0 into a new session's row).
 */
export class AddSessionLastEventNumber1766000000000 implements MigrationInterface {
  name = 'AddSessionLastEventNumber1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "last_event_number" bigint`);
    await queryRunner.query(`UPDATE "sessions" SET "last_event_number" = 0 WHERE "last_event_seq" = 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "last_event_number"`);
  }
}
