import type { Backend } from './backends-types.js';

/** RabbitMQ backend for the conformance suite (filled in by the RabbitMQ transport). */
export const amqpBackends: Backend[] = [];
