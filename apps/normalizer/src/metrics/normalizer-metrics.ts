import { Injectable } from '@nestjs/common';
import { renderPrometheusText } from '@lap/service-runtime';

/** The counters the normalizer exposes on `/metrics`, with their Prometheus help text. */
const COUNTERS = {
  normalizer_records_folded_total: 'Raw records folded into events (including records that yield none).',
  normalizer_fold_runs_total:
    'Runs of a session’s consecutive raw records folded together (one fold-state save each): records folded ÷ runs is the batching.',
  normalizer_records_duplicate_total:
    'Raw records delivered again after they were folded: acknowledged, skipped.',
  normalizer_records_ahead_total:
    'Raw records delivered before their predecessor was folded: handed back to be retried shortly.',
  normalizer_records_poison_total:
    'Raw records that are not JSON or not a known record shape: skipped so the session goes on.',
  normalizer_events_published_total: 'Normalized events stored on the events stream.',
  normalizer_events_duplicate_total:
    'Events re-published after a crash or a lost race and answered as duplicates by JetStream (nothing stored).',
  normalizer_unknown_frames_total:
    'Cursor frames of a type the fold does not know (kept in the raw log only).',
  normalizer_malformed_frames_total: 'Cursor frames of a known type missing what they need to be folded.',
  normalizer_late_frames_total: 'Cursor frames of a run that had already settled or been replaced.',
  normalizer_fenced_publishes_total:
    'Event publishes refused because the session’s events moved on (another replica got ahead): retried.',
  normalizer_state_conflicts_total:
    'Fold state saves refused because another replica saved first (compare-and-set): retried.',
} as const;

export type NormalizerCounter = keyof typeof COUNTERS;
export type NormalizerCounts = Record<NormalizerCounter, number>;

/** In-process counters of one normalizer replica, rendered in the Prometheus text format. */
@Injectable()
export class NormalizerMetrics {
  private readonly counts = Object.fromEntries(
    Object.keys(COUNTERS).map((name) => [name, 0]),
  ) as NormalizerCounts;

  increment(counter: NormalizerCounter, by = 1): void {
    this.counts[counter] += by;
  }

  snapshot(): NormalizerCounts {
    return { ...this.counts };
  }

  render(): string {
    return renderPrometheusText(
      (Object.entries(COUNTERS) as Array<[NormalizerCounter, string]>).map(([name, help]) => ({
        name,
        help,
        type: 'counter',
        value: this.counts[name],
      })),
    );
  }
}
