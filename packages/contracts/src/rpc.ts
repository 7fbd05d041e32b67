/** Replies of every request/reply exchange: success or an error a caller can map to its API's shape. */
export type RpcReply<T> = { ok: true; data: T } | { ok: false; error: RpcError };

export interface RpcError {
  type: 'invalid_request' | 'not_found' | 'unavailable' | 'internal';
  message: string;
}
