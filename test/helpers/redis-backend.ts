import type { Backend } from './backends-types.js';

/** BullMQ, and RabbitMQ with the Redis state store (filled in by the Redis work). */
export const redisBackends: Backend[] = [];
