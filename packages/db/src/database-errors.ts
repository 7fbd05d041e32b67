const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '25006', // read_only_sql_transaction (a standby, during a failover)
  '53100', // disk_full
  '53200', // out_of_memory
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

const UNAVAILABLE_MESSAGE =
  /Connection terminated|Client has encountered a connection error|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Connection is not established|the database system is (starting|shutting) down|terminating connection/i;

/**
 * True when an error means "the database cannot be reached right now" (as opposed to a bad query):
 * callers answer 503 and try again later. TypeORM wraps a connection dropped mid-query in a
 * QueryFailedError, so the wrapped driver error is looked at too.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return errorChain(error).some(
    ({ code, message }) =>
      (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
      (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)),
  );
}

const CONFLICT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
]);

/**
 * True when a statement lost to another transaction or ran out of time waiting for it: nothing is
 * wrong with the statement, and the same work succeeds when tried again a little later.
 */
export function isTransactionConflict(error: unknown): boolean {
  return errorChain(error).some(({ code }) => typeof code === 'string' && CONFLICT_CODES.has(code));
}

/** True when a statement broke a unique constraint (unique_violation), also wrapped by TypeORM. */
export function isUniqueViolation(error: unknown): boolean {
  return errorChain(error).some(({ code }) => code === '23505');
}

/** The error and the driver errors or causes it wraps, outermost first. */
function errorChain(error: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const { code, message, driverError, cause } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    chain.push({ code, message });
    current = driverError ?? cause;
  }
  return chain;
}
