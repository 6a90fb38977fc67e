/**
 * Which shard queue an actor's invocations go to: FNV-1a (32 bit) of the UTF-8 bytes of the actor id,
 * modulo the type's shard count. docs/protocol.md shows the same few lines in Python.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return fnv1a32Bytes(Buffer.from(text, 'utf8'));
    hash = Math.imul(hash ^ code, 0x01000193);
  }
  return hash >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
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
