/**
 * The error types clients see, one per HTTP status we answer with. Both API families use the same
 * names; only the envelope differs (see error-body.ts).
 */
export const ERROR_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'upstream_error',
  503: 'service_unavailable_error',
};

export function errorTypeForStatus(status: number): string {
  return ERROR_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** An error whose message is meant for the client: thrown by services, rendered by the exception filter. */
export class ApiError extends Error {
  readonly type: string;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.type = errorTypeForStatus(status);
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, message);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, message);
  }

  static unavailable(message: string): ApiError {
    return new ApiError(503, message);
  }
}
