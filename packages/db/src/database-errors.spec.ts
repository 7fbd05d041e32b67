import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isTransactionConflict, isUniqueViolation } from './database-errors';

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection and a server shutting down', () => {
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      ),
    ).toBe(true);
  });

  it('counts a standby during a failover, a full disk and a lost connection as unavailable', () => {
    for (const code of ['25006', '53100', '08006']) {
      const error = new QueryFailedError('INSERT', [], Object.assign(new Error(code), { code }));
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
    expect(
      isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable')),
    ).toBe(true);
  });

  it('looks inside the QueryFailedError that wraps a connection dropped mid-query', () => {
    const dropped = new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'));
    expect(isDatabaseUnavailable(dropped)).toBe(true);
  });

  it('does not mistake a bad query for an outage', () => {
    const unique = new QueryFailedError(
      'INSERT',
      [],
      Object.assign(new Error('duplicate key value'), { code: '23505' }),
    );
    expect(isDatabaseUnavailable(unique)).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('isTransactionConflict', () => {
  it('recognizes a lock timeout, a deadlock and a serialization failure, also wrapped by TypeORM', () => {
    expect(isTransactionConflict({ code: '55P03', message: 'canceling statement due to lock timeout' })).toBe(
      true,
    );
    expect(isTransactionConflict({ name: 'QueryFailedError', driverError: { code: '40P01' } })).toBe(true);
    expect(isTransactionConflict({ code: '40001' })).toBe(true);
  });

  it('leaves a bad statement and an unreachable database to the other checks', () => {
    expect(isTransactionConflict({ code: '22P05', message: 'unsupported Unicode escape sequence' })).toBe(
      false,
    );
    expect(isTransactionConflict({ code: 'ECONNREFUSED' })).toBe(false);
  });
});

describe('isUniqueViolation', () => {
  it('recognizes a duplicate key, also wrapped by TypeORM, and nothing else', () => {
    const duplicate = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
    });
    expect(isUniqueViolation(new QueryFailedError('INSERT', [], duplicate))).toBe(true);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isUniqueViolation({ code: '55P03' })).toBe(false);
    expect(isUniqueViolation(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
