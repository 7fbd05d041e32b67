import { SetMetadata } from '@nestjs/common';

export const ALLOW_QUERY_KEY = 'lap:allow-query-key';

/**
 * Lets a route take the key as `?key=`: a browser EventSource cannot set headers. Only the two event
 * routes use it, so keys do not end up in the access logs of every other route.
 */
export const AllowQueryKey = () => SetMetadata(ALLOW_QUERY_KEY, true);
