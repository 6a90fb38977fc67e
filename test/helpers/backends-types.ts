import type { StateStore } from '../../src/state/state-store.js';
import type { Transport } from '../../src/transport/transport.js';

export interface BackendFixture {
  readonly name: string;
  readonly namespace: string;
  /** A transport as one process would have it; every transport of a fixture reaches the same queues. */
  transport(): Promise<Transport>;
  /** The state store shared by the fixture's workers. */
  store(): Promise<StateStore>;
  /** Deletes every queue and key of the namespace and closes what the fixture opened. */
  cleanup(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  /** Resolves to a reason when the backend's server is unreachable. */
  unavailable(): Promise<string | undefined>;
  create(namespace: string): Promise<BackendFixture>;
}
