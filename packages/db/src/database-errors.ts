import { QueryFailedError } from 'typeorm';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
  '53300',
]);

/**
 * True when an error means "the database cannot be reached right now" (as opposed to a bad query):
 * callers answer 503 and try again later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code =
    (error as { code?: string }).code ?? (error as { driverError?: { code?: string } }).driverError?.code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  if (error instanceof QueryFailedError) return false;
  const message = String((error as Error).message ?? '');
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection is not established|the database system is (starting|shutting) down/i.test(
    message,
  );
}
