/**
 * Names and values of the wire contract, version 1. docs/protocol.md documents every one of them; change
 * both in the same commit.
 */
export const PROTOCOL_VERSION = '1';

export const HEADER = {
  protocol: 'turnq-protocol',
  messageId: 'turnq-message-id',
  actorType: 'turnq-actor-type',
  actorId: 'turnq-actor-id',
  method: 'turnq-method',
  reentrancyId: 'turnq-reentrancy-id',
  callStack: 'turnq-call-stack',
  depth: 'turnq-depth',
  deadline: 'turnq-deadline',
  replyTo: 'turnq-reply-to',
  correlationId: 'turnq-correlation-id',
  status: 'turnq-status',
  errorCode: 'turnq-error-code',
  errorReason: 'turnq-error-reason',
} as const;
