/**
 * Escaped characters PostgreSQL's jsonb cannot hold: NUL, and a UTF-16 surrogate without its pair
 * (`JSON.stringify` writes a paired one as the character itself, so an escaped one is always lone).
 * Only where the backslash is not itself escaped: `\\u0000` is a backslash followed by text.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/**
 * `value` as JSON text PostgreSQL accepts as jsonb: a NUL or a lone surrogate (in a session's outputs,
 * say) becomes U+FFFD, the replacement character, instead of failing the row. (Event bodies are stored
 * as `json`, which keeps them exactly.)
 */
export function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u') ? text.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : text;
}
