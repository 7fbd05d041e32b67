/**
 * A run stream closed without sending anything new while the run is still going (per `GET run`). Retried
 * like a network failure; after too many in a row the runner gives up on following the run.
 */
export class StreamEndedEarlyError extends Error {
  override readonly name = 'StreamEndedEarlyError';

  constructor(readonly runId: string) {
    super(`Cursor kept closing the stream of run ${runId} without sending anything new`);
  }
}
