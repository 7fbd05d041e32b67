import { apiErrorFromResponse, CursorApiError, parseRetryAfterMs } from './errors';

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('7')).toBe(7000);
    expect(parseRetryAfterMs('0')).toBe(0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
  });

  it('returns undefined for missing or unreadable values', () => {
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('')).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});

describe('apiErrorFromResponse', () => {
  it("maps Cursor's error body to status, code, message and retry delay", () => {
    const error = apiErrorFromResponse(
      429,
      '{"error":{"code":"rate_limit_exceeded","message":"Too many requests"}}',
      '3',
      'GET /v1/repositories',
    );
    expect(error).toBeInstanceOf(CursorApiError);
    expect(error).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      message: 'GET /v1/repositories: Too many requests',
      retryAfterMs: 3000,
    });
  });

  it('falls back to a status-derived code when the body is not the documented shape', () => {
    expect(apiErrorFromResponse(502, '<html>Bad gateway</html>', null, 'GET /v1/me')).toMatchObject({
      status: 502,
      code: 'http_502',
      message: 'GET /v1/me failed with HTTP 502',
      retryAfterMs: undefined,
    });
    expect(apiErrorFromResponse(500, '{"error":"boom"}', null, 'GET /v1/me').code).toBe('http_500');
  });
});
