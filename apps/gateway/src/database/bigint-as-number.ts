import type { ValueTransformer } from 'typeorm';

/**
 * pg returns bigint columns as strings. Stream sequences stay far below 2^53, so they are read back
 * as plain numbers.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
