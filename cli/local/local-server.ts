/** A server TESS started itself for this run (cli/local): what it is reached at and how it stops. */
export interface LocalServer {
  readonly url: string;
  /** For the start-up line: what runs where, and where its data lives. */
  readonly note: string;
  /** Stops it and waits until it has. */
  readonly stop: () => Promise<void>;
  /** Signals it to stop, without waiting: for a process exiting before it could await stop(). */
  readonly stopNow: () => void;
}
