import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { jetStreamApiCode } from './transient-errors';

const NANOS_PER_MS = 1_000_000;

export interface StreamSettings {
  /** How long raw Cursor frames are kept. */
  rawMaxAgeMs: number;
  /** How long normalized events are kept (clients resume and replay from here). */
  eventsMaxAgeMs: number;
  /** Window in which a repeated message id is answered as a duplicate instead of stored twice. */
  duplicateWindowMs: number;
}

/**
 * How late a repeated message id is still recognised: every retry of a publish whose outcome was not
 * learned comes sooner (a runner's raw append retries for up to RUNNER_APPEND_RETRY_MS, held to half of
 * this; the gateway's command publish for 10 s). Later repeats guard themselves: a redelivered
 * interrupt looks for its record, and the event publisher for its event. An id-less frame (`status`,
 * `error`) sent again by a stream resumed from the same point is kept again past it, as a new one. The
 * server keeps every id for the whole window, about 230 B each: 28 MB for every 1,000 messages/s
 * (140 MB at 10 minutes).
 */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  rawMaxAgeMs: 7 * 24 * 3600_000,
  eventsMaxAgeMs: 30 * 24 * 3600_000,
  duplicateWindowMs: DUPLICATE_WINDOW_MS,
};

type StreamKind = 'commands' | 'raw' | 'events';

/** The full configuration of each stream: one place, so every writer creates them identically. */
export function streamConfigs(
  names: NatsNames,
  settings: StreamSettings,
): Record<StreamKind, Partial<StreamConfig> & { name: string }> {
  const common = {
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: settings.duplicateWindowMs * NANOS_PER_MS,
    num_replicas: 1,
    allow_direct: true,
  };
  return {
    commands: {
      ...common,
      name: names.streams.commands,
      subjects: [names.allCommands],
      retention: RetentionPolicy.Workqueue,
    },
    raw: {
      ...common,
      name: names.streams.raw,
      subjects: [names.allRaw],
      retention: RetentionPolicy.Limits,
      max_age: settings.rawMaxAgeMs * NANOS_PER_MS,
    },
    events: {
      ...common,
      name: names.streams.events,
      subjects: [names.allEvents],
      retention: RetentionPolicy.Limits,
      max_age: settings.eventsMaxAgeMs * NANOS_PER_MS,
    },
  };
}

/** Creates the streams a service writes, or brings their settings up to date. Safe to run on every start. */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: NatsNames,
  kinds: StreamKind[],
  settings: StreamSettings = DEFAULT_STREAM_SETTINGS,
): Promise<void> {
  const configs = streamConfigs(names, settings);
  for (const kind of kinds) {
    const config = configs[kind];
    try {
      await jsm.streams.info(config.name);
      const { retention: _fixed, ...updatable } = config;
      await jsm.streams.update(config.name, updatable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config).catch(async (addError: unknown) => {
        // Another replica created it between our look and our add: that is fine.
        await jsm.streams.info(config.name).catch(() => {
          throw addError;
        });
      });
    }
  }
}

export function isNotFound(error: unknown): boolean {
  const code = jetStreamApiCode(error);
  return code === 10059 || code === 10014 || /not found/i.test(String((error as Error)?.message));
}
