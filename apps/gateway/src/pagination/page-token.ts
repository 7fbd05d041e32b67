import { ApiError } from '../errors/api-error';

/**
 * Which way a page continues from a row: `after` it (the next page) or `before` it (the previous one),
 * in the list's own order.
 */
export interface PagePosition {
  direction: 'after' | 'before';
  id: string;
}

/** Page tokens are opaque to clients (they just echo `next_page` / `prev_page` as `?page=`). */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(`${position.direction}:${position.id}`, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): PagePosition {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^(after|before):([0-9a-z_]+)$/.exec(decoded);
  if (!match) throw ApiError.badRequest('page: not a page token from this API (pass next_page or prev_page)');
  return { direction: match[1] as PagePosition['direction'], id: match[2] };
}
