import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { RuntimeId } from '@lap/contracts';

/** One owner's API key for one runtime, encrypted at rest (see KeyRing). */
@Entity({ name: 'runtime_credentials' })
@Unique('uq_runtime_credentials_owner_runtime', ['ownerId', 'runtime'])
export class RuntimeCredential {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'owner_id', type: 'text' })
  ownerId: string;

  @Column({ type: 'text' })
  runtime: RuntimeId;

  @Column({ name: 'api_base', type: 'text' })
  apiBase: string;

  /** Which CREDENTIALS_ENCRYPTION_KEYS entry encrypted this row. */
  @Column({ name: 'key_id', type: 'text' })
  keyId: string;

  @Column({ type: 'bytea' })
  iv: Buffer;

  @Column({ type: 'bytea' })
  ciphertext: Buffer;

  @Column({ name: 'auth_tag', type: 'bytea' })
  authTag: Buffer;

  @Column({ name: 'masked_api_key', type: 'text' })
  maskedApiKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
