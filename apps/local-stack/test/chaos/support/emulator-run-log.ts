/**
 * The ids of the frames the emulator logged for a finished run up to its `result`, read straight from
 * its stream (a connection without Last-Event-ID replays the whole log): what the raw log must hold,
 * once each and in order. The closing `done` is not recorded by runners (it follows the result).
 */
export async function emulatorRunFrameIds(
  emulatorUrl: string,
  apiKey: string,
  agentId: string,
  runId: string,
): Promise<string[]> {
  const response = await fetch(`${emulatorUrl}/v1/agents/${agentId}/runs/${runId}/stream`, {
    headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`the emulator answered ${response.status} for run ${runId}`);
  const ids: string[] = [];
  for (const block of (await response.text()).split('\n\n')) {
    const field = (name: string) =>
      block
        .split('\n')
        .find((line) => line.startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim();
    const id = field('id');
    if (id) ids.push(id);
    if (field('event') === 'result') break;
  }
  return ids;
}
