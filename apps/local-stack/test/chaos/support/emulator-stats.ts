export interface EmulatorRunStats {
  agentId: string;
  status: string;
  frames: number;
  streamConnectionsOpened: number;
  streamConnectionsOpen: number;
}

export interface EmulatorStats {
  totals: { agentsCreated: number; runsCreated: number; faultsFired: Record<string, number> };
  runs: Record<string, EmulatorRunStats>;
}

/** The emulator's counters (`GET /__emulator/stats`): stream connections per run, faults fired. */
export async function emulatorStats(emulatorUrl: string): Promise<EmulatorStats> {
  const response = await fetch(`${emulatorUrl}/__emulator/stats`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`emulator stats answered ${response.status}`);
  return (await response.json()) as EmulatorStats;
}
