import type { AuthenticatedCaller } from './authentication';

/** What AppSync would bill so far (issue 27): plain counts since the stack started. */
export interface AppSyncUsage {
  /** Queries and mutations answered (HTTP 200, errors in the answer included), by who sent them. */
  readonly requests: {
    /** The clients' (user pool tokens, the API key). */
    readonly client: number;
    /** SigV4-signed: the workers' publish mutations on the NONE data source. */
    readonly iam: number;
  };
  /** Requests refused before any resolver ran (401, 400): not counted in `requests`. */
  readonly refused: number;
  /** `data` messages pushed, one per subscription that receives the change. */
  readonly realtimeMessages: number;
  /** Minutes the realtime websockets were open, those still open counted up to now. */
  readonly connectionMinutes: number;
  /** Bytes of answers and pushes sent to the callers (data transfer out). */
  readonly responseBytes: number;
}

/** AppSync's meter: the HTTP handler and the realtime connections report to it. */
export class AppSyncMeter {
  private readonly requests = { client: 0, iam: 0 };
  private refused = 0;
  private realtimeMessages = 0;
  private closedConnectionMs = 0;
  private readonly openSince = new Set<{ readonly at: number }>();
  private responseBytes = 0;

  answered(caller: AuthenticatedCaller | undefined, status: number, bytes: number): void {
    this.responseBytes += bytes;
    if (status !== 200 || !caller) this.refused += 1;
    else if (caller.mode === 'AWS_IAM') this.requests.iam += 1;
    else this.requests.client += 1;
  }

  pushed(bytes: number): void {
    this.realtimeMessages += 1;
    this.responseBytes += bytes;
  }

  /** A websocket opened; call the returned function when it closes. */
  connected(): () => void {
    const connection = { at: Date.now() };
    this.openSince.add(connection);
    return () => {
      if (!this.openSince.delete(connection)) return;
      this.closedConnectionMs += Date.now() - connection.at;
    };
  }

  snapshot(): AppSyncUsage {
    const now = Date.now();
    const openMs = [...this.openSince].reduce((sum, connection) => sum + (now - connection.at), 0);
    return {
      requests: { ...this.requests },
      refused: this.refused,
      realtimeMessages: this.realtimeMessages,
      connectionMinutes: (this.closedConnectionMs + openMs) / 60_000,
      responseBytes: this.responseBytes,
    };
  }
}
