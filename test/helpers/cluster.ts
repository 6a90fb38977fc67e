/**
 * Starts workers and a client on one backend fixture for a test, and tears everything down after it.
 */
import type { ExecutionContext } from 'ava';
import type { ActorClass } from '../../src/actor/actor.js';
import { ActorRegistry } from '../../src/actor/actor-registry.js';
import { Client } from '../../src/client/client.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/load-config.js';
import { ActorHost, shardCounter } from '../../src/runtime/actor-host.js';
import type { Transport } from '../../src/transport/transport.js';
import { uniqueNamespace, type Backend, type BackendFixture } from './backends.js';

export interface ClusterOptions {
  actors: ActorClass[];
  /** Config overrides, same shape as the YAML. */
  config?: Record<string, unknown>;
  workers?: number;
}

export interface Cluster {
  readonly fixture: BackendFixture;
  readonly config: ResolvedConfig;
  readonly client: Client;
  readonly hosts: ActorHost[];
  /** Another worker on the same queues (e.g. to take over a shard). */
  addWorker(): Promise<ActorHost>;
  newClient(): Promise<Client>;
  close(): Promise<void>;
}

export async function startCluster(t: ExecutionContext, backend: Backend, options: ClusterOptions): Promise<Cluster> {
  const fixture = await backend.create(uniqueNamespace(t.title));
  // A test that failed with a turn still blocked (on a latch it never released) drains for 5 s at
  // teardown, not for the default 60 s; tests of draining set their own timeout.
  const raw = { namespace: fixture.namespace, shards: 2, drainOngoingCallTimeout: 5000, ...options.config };
  const config = resolveConfig([{ raw, where: '' }], process.cwd());
  const registry = new ActorRegistry().register(...options.actors);
  const hosts: ActorHost[] = [];
  const clients: Client[] = [];
  const transports: Transport[] = [];
  const store = await fixture.store();
  const addWorker = async (): Promise<ActorHost> => {
    const transport = await fixture.transport();
    transports.push(transport);
    const host = new ActorHost({ config, transport, registry, store });
    await host.start();
    hosts.push(host);
    return host;
  };
  const newClient = async (): Promise<Client> => {
    const transport = await fixture.transport();
    transports.push(transport);
    const client = new Client({ transport, shardsFor: shardCounter(config), callTimeout: config.callTimeout });
    await client.start();
    clients.push(client);
    return client;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await addWorker();
  const client = await newClient();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(hosts.map((h) => h.stop()));
    await Promise.all(transports.map((tr) => tr.close()));
    await store.close();
    await fixture.cleanup();
  };
  t.teardown(close);
  return { fixture, config, client, hosts, addWorker, newClient, close };
}
