/**
 * Every NATS name the platform uses, derived from one prefix so test runs and tenants sharing a
 * server never collide. This is the only place a subject, stream, consumer or bucket name is spelled.
 */
export interface NatsNames {
  readonly prefix: string;
  readonly streams: { readonly commands: string; readonly raw: string; readonly events: string };
  readonly consumers: { readonly runners: string; readonly normalizers: string };
  readonly buckets: { readonly fold: string };
  /** `<P>.cmd.<sessionId>`: work queue, written by the gateway, taken by session runners. */
  command(sessionId: string): string;
  /** `<P>.raw.<sessionId>`: every Cursor frame and runner record, written by the session's runner. */
  raw(sessionId: string): string;
  /** `<P>.events.<sessionId>`: the public contract, normalized Managed Agents events. */
  events(sessionId: string): string;
  readonly allCommands: string;
  readonly allRaw: string;
  readonly allEvents: string;
  /** Request/reply subjects of the credentials service. */
  readonly rpc: {
    readonly credentials: {
      readonly publicKey: string;
      readonly put: string;
      readonly list: string;
      readonly delete: string;
      readonly resolve: string;
    };
  };
  /** Runner control: the runner holding a session's live run listens here for interrupts. */
  control(sessionId: string): string;
  /**
   * The runner holding a session answers here, with nothing, to say it does. Outside `<P>.ctl.*`, which
   * runners of earlier versions listen on and would take any request for an interrupt.
   */
  controlHeld(sessionId: string): string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

export function natsNames(prefix = 'lap'): NatsNames {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`NATS prefix ${JSON.stringify(prefix)} must be 1-32 letters, digits, "_" or "-"`);
  }
  const upper = prefix.toUpperCase().replace(/-/g, '_');
  const token = (sessionId: string) => {
    if (!TOKEN_PATTERN.test(sessionId)) throw new Error(`invalid session id for a subject: ${sessionId}`);
    return sessionId;
  };
  return {
    prefix,
    streams: { commands: `${upper}_COMMANDS`, raw: `${upper}_RAW`, events: `${upper}_EVENTS` },
    consumers: { runners: `${upper}_session_runners`, normalizers: `${upper}_normalizers` },
    buckets: { fold: `${upper}_fold` },
    command: (id) => `${prefix}.cmd.${token(id)}`,
    raw: (id) => `${prefix}.raw.${token(id)}`,
    events: (id) => `${prefix}.events.${token(id)}`,
    control: (id) => `${prefix}.ctl.${token(id)}`,
    controlHeld: (id) => `${prefix}.ctl.${token(id)}.held`,
    allCommands: `${prefix}.cmd.*`,
    allRaw: `${prefix}.raw.*`,
    allEvents: `${prefix}.events.*`,
    rpc: {
      credentials: {
        publicKey: `${prefix}.rpc.credentials.public_key`,
        put: `${prefix}.rpc.credentials.put`,
        list: `${prefix}.rpc.credentials.list`,
        delete: `${prefix}.rpc.credentials.delete`,
        resolve: `${prefix}.rpc.credentials.resolve`,
      },
    },
  };
}

/** The session id is the last token of every per-session subject. */
export function sessionIdOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}
