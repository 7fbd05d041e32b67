import type { z } from 'zod';
import { CursorHttpError, validationError } from '../errors/cursor-http-error';

/** 400 `missing_body` when there is no JSON body at all, 400 `validation_error` naming each problem. */
export function parseRequestBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null) {
    throw new CursorHttpError(400, 'missing_body', 'A JSON request body is required');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(
    parsed.error.issues
      .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
      .join('; '),
  );
}
