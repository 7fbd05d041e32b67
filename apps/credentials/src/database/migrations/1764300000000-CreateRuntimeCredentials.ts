import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRuntimeCredentials1764300000000 implements MigrationInterface {
  name = 'CreateRuntimeCredentials1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "runtime_credentials" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "owner_id" text NOT NULL,
        "runtime" text NOT NULL,
        "api_base" text NOT NULL,
        "key_id" text NOT NULL,
        "iv" bytea NOT NULL,
        "ciphertext" bytea NOT NULL,
        "auth_tag" bytea NOT NULL,
        "masked_api_key" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_runtime_credentials" PRIMARY KEY ("id"),
        CONSTRAINT "uq_runtime_credentials_owner_runtime" UNIQUE ("owner_id", "runtime")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "runtime_credentials"`);
  }
}
