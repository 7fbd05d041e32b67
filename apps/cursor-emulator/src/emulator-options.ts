/** Everything that tunes the emulator; `main.ts` fills it from the environment, tests pass it directly. */
export interface EmulatorOptions {
  /** Default pause between two frames of a run's timeline; a prompt's `[pace:N]` overrides it. */
  frameIntervalMs: number;
  /** A run that has been silent this long emits a `heartbeat` frame (with an id, part of the timeline). */
  heartbeatIntervalMs: number;
  /** How long a finished run's stream can still be replayed; later connects get 410 `stream_expired`. */
  streamRetentionMs: number;
  /** Keys answered with 401 `unauthorized` (any other non-empty key is accepted). */
  rejectedApiKeys: string[];
  /** Fault specs active from start-up, as for `POST /__emulator/faults` (see README). */
  faults: string[];
  /** `GET /v1/repositories` budget per API key. */
  repositoriesPerMinute: number;
  repositoriesPerHour: number;
}

export const EMULATOR_OPTIONS = Symbol('EMULATOR_OPTIONS');

export const DEFAULT_EMULATOR_OPTIONS: EmulatorOptions = {
  frameIntervalMs: 50,
  heartbeatIntervalMs: 10_000,
  streamRetentionMs: 345_600_000, // what Cursor announces: 4 days
  rejectedApiKeys: [],
  faults: [],
  repositoriesPerMinute: 1,
  repositoriesPerHour: 30,
};
