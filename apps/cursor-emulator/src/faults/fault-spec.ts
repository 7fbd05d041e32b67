/**
 * The fault language shared by prompts (`[fault:drop_after=3]`), `POST /__emulator/faults` and the
 * `EMULATOR_FAULTS` variable: a kind with its main value, then optional `,name=value` parameters.
 *
 * Stream faults act on a run's stream connections; request faults answer the next requests with an error.
 */
export type FaultSpec =
  /** End a stream connection cleanly after it has carried `frames` frames (the id-less status not counted). */
  | { kind: 'drop_after'; frames: number; times: number }
  /** Same, but destroy the socket (a network cut rather than a close). */
  | { kind: 'reset_after'; frames: number; times: number }
  /** After `frames` frames send `error{code:"stream_unavailable"}` + `done` and close; the run goes on. */
  | { kind: 'unavailable_after'; frames: number; times: number }
  /** After `frames` frames send `done` (no `result` before it) and close; the run goes on. */
  | { kind: 'done_after'; frames: number; times: number }
  /** After `frames` frames send nothing at all for `ms`, then carry on if the client is still there. */
  | { kind: 'stall_after'; frames: number; ms: number; times: number }
  /** From the run's frame `after` on, `count` frames each come `ms` later than the run's pace. */
  | { kind: 'slow'; ms: number; after: number; count: number }
  /**
   * `no_result=1`: the run's log ends with `done` and no `result` frame; `GET run` still tells how it
   * ended (0 turns it off).
   */
  | { kind: 'no_result'; enabled: boolean }
  /** The next `count` requests get 429 `rate_limit_exceeded` with `Retry-After: retry_after`. */
  | { kind: 'rate_limit'; count: number; retryAfterSeconds: number }
  /** The next `count` requests get `status` (500 or 503) `internal_error`. */
  | { kind: 'http_5xx'; count: number; status: number };

export type StreamFaultSpec = Extract<
  FaultSpec,
  {
    kind:
      | 'drop_after'
      | 'reset_after'
      | 'unavailable_after'
      | 'done_after'
      | 'stall_after'
      | 'slow'
      | 'no_result';
  }
>;
export type RequestFaultSpec = Extract<FaultSpec, { kind: 'rate_limit' | 'http_5xx' }>;

export class FaultSpecError extends Error {}

interface KindDefinition {
  /** Parameters allowed besides the main value, with their defaults. */
  params: Record<string, number>;
  build(main: number, params: Record<string, number>): FaultSpec;
}

const KINDS: Record<FaultSpec['kind'], KindDefinition> = {
  drop_after: {
    params: { times: 1 },
    build: (frames, p) => ({ kind: 'drop_after', frames, times: p.times }),
  },
  reset_after: {
    params: { times: 1 },
    build: (frames, p) => ({ kind: 'reset_after', frames, times: p.times }),
  },
  unavailable_after: {
    params: { times: 1 },
    build: (frames, p) => ({ kind: 'unavailable_after', frames, times: p.times }),
  },
  done_after: {
    params: { times: 1 },
    build: (frames, p) => ({ kind: 'done_after', frames, times: p.times }),
  },
  stall_after: {
    params: { ms: 2000, times: 1 },
    build: (frames, p) => ({ kind: 'stall_after', frames, ms: p.ms, times: p.times }),
  },
  slow: {
    params: { after: 0, count: 5 },
    build: (ms, p) => ({ kind: 'slow', ms, after: p.after, count: p.count }),
  },
  no_result: {
    params: {},
    build: (value) => ({ kind: 'no_result', enabled: value > 0 }),
  },
  rate_limit: {
    params: { retry_after: 1 },
    build: (count, p) => ({ kind: 'rate_limit', count, retryAfterSeconds: p.retry_after }),
  },
  http_5xx: {
    params: { status: 503 },
    build: (count, p) => {
      if (p.status < 500 || p.status > 599) throw new FaultSpecError('http_5xx: status must be a 5xx code');
      return { kind: 'http_5xx', count, status: p.status };
    },
  },
};

/** Parses one spec such as `stall_after=2,ms=500`; throws {@link FaultSpecError} naming what is wrong. */
export function parseFaultSpec(text: string): FaultSpec {
  const [head, ...rest] = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (!head) throw new FaultSpecError('empty fault spec');
  const [kind, main] = splitPair(head);
  const definition = KINDS[kind as FaultSpec['kind']];
  if (!definition) {
    throw new FaultSpecError(`unknown fault "${kind}" (known: ${Object.keys(KINDS).join(', ')})`);
  }
  const params = { ...definition.params };
  for (const part of rest) {
    const [name, value] = splitPair(part);
    if (!(name in definition.params)) throw new FaultSpecError(`${kind}: unknown parameter "${name}"`);
    params[name] = value;
  }
  return definition.build(main, params);
}

export function isStreamFault(spec: FaultSpec): spec is StreamFaultSpec {
  return spec.kind !== 'rate_limit' && spec.kind !== 'http_5xx';
}

function splitPair(text: string): [string, number] {
  const match = /^([a-z_0-9]+)=(\d+)$/i.exec(text);
  if (!match) throw new FaultSpecError(`"${text}" is not name=<whole number>`);
  return [match[1].toLowerCase(), Number(match[2])];
}
