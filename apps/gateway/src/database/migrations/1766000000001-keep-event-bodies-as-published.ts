import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `session_events.body` becomes `json`: the event's text as published is stored as is, where `jsonb`
 * parsed it into its own form (keys reordered, an escaped NUL or lone surrogate refused). Rows already
 * there keep the text `jsonb` made of them.
 */
export class KeepEventBodiesAsPublished1766000000001 implements MigrationInterface {
  name = 'KeepEventBodiesAsPublished1766000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "session_events" ALTER COLUMN "body" TYPE json USING "body"::json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails on a row jsonb cannot hold (an escaped NUL or lone surrogate): mend or delete those first.
    await queryRunner.query(
      `ALTER TABLE "session_events" ALTER COLUMN "body" TYPE jsonb USING "body"::jsonb`,
    );
  }
}
