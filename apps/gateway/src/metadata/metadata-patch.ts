/**
 * Managed Agents update semantics for `metadata`: keys sent with a string are set, keys sent as null
 * are removed, keys not sent are kept; `metadata: null` clears everything.
 */
export type MetadataPatch = Record<string, string | null> | null;

export function applyMetadataPatch(
  current: Record<string, string>,
  patch: MetadataPatch | undefined,
): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
