import { randomUUID } from 'node:crypto';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

/**
 * A `ProtocolMessage` for unit tests of a `ProtocolMiddleware`: an HTTP request to the
 * pattern `test` with no payload, no headers and no deadline, received now, unless
 * `overrides` says otherwise.
 *
 * ```ts
 * const reply = await lastValueFrom(middleware.use(createTestProtocolMessage({ headers: { authorization: 'x' } }), () => of('ok')));
 * ```
 *
 * @publicApi
 */
export function createTestProtocolMessage<TPayload = unknown>(
  overrides: Partial<ProtocolMessage<TPayload>> = {},
): ProtocolMessage<TPayload> {
  return {
    id: randomUUID(),
    protocol: 'http',
    pattern: 'test',
    payload: undefined as TPayload,
    headers: {},
    receivedAt: Date.now(),
    isEvent: false,
    ...overrides,
  };
}
