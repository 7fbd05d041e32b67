/**
 * Where the first text holding a NUL character sits in `value` (`system`, `metadata.note`,
 * `content.0.text`), or null. PostgreSQL text and jsonb cannot store that character, so a request
 * carrying one is refused at the edge, naming the field, instead of failing where it is stored.
 */
export function pathOfNulCharacter(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return itemPath;
    const found = pathOfNulCharacter(item, itemPath);
    if (found) return found;
  }
  return null;
}
