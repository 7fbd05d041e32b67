import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from '../errors/api-error';
import { describeIssues } from './describe-issues';
import { pathOfNulCharacter } from './nul-character';

/**
 * Validates a request body or query against a zod schema; failures become a 400 naming each bad field,
 * as does text holding a NUL character (nothing the gateway stores can hold one).
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw ApiError.badRequest(describeIssues(parsed.error.issues, value));
    const nul = pathOfNulCharacter(parsed.data);
    if (nul) throw ApiError.badRequest(`${nul}: text cannot contain the NUL character (\\u0000)`);
    return parsed.data;
  }
}
