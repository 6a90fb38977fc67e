/**
 * Which shard queue an actor's invocations go to: FNV-1a (32 bit) of the UTF-8 bytes of the actor id,
 * modulo the type's shard count. docs/protocol.md shows the same few lines in Python.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(actorId: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a32(actorId) % shards;
}

/** Queue and key names, all under one namespace so that deployments and tests do not collide. */
export const names = {
  shard: (ns: string, type: string, shard: number) => `${ns}.shard.${type}.${shard}`,
  lane: (ns: string, worker: string) => `${ns}.lane.${worker}`,
  reply: (ns: string, client: string) => `${ns}.reply.${client}`,
  deadLetter: (ns: string) => `${ns}.dead-letter`,
  control: (ns: string) => `${ns}.control`,
};
