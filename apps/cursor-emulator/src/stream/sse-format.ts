/** Serializes one frame the way Cursor writes it: `id:` (when it has one), `event:`, one `data:` line. */
export function formatSseFrame(id: string | null, event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so a single data line always suffices.
  return `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
