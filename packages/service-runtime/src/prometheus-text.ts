/** One figure a service exposes on `/metrics`. */
export interface Metric {
  name: string;
  help: string;
  /** counter: only grows over the process's life; gauge: a level that goes up and down. */
  type: 'counter' | 'gauge';
  value: number;
}

/** The Prometheus text exposition format (version 0.0.4) of the figures given. */
export function renderPrometheusText(metrics: readonly Metric[]): string {
  return metrics
    .map(
      ({ name, help, type, value }) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`,
    )
    .join('');
}

/** The Content-Type of that format. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
