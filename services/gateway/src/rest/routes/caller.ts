import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../operations/caller.ts';

/** The operations' caller for a REST request: the token's subject, cancelled when the client hangs up. */
export const callerOf = (request: FastifyRequest): Caller => ({ userId: request.userId, signal: request.hangUp });
