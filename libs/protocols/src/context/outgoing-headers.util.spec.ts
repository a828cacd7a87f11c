import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { CORRELATION_ID_HEADER, TIMEOUT_HEADER, VERSION_PIN_HEADER } from '../protocols.constants';
import { withAsyncContext, withMessage } from './message-context.storage';
import { outgoingHeaders } from './outgoing-headers.util';

function inbound(headers: Record<string, string>): ProtocolMessage {
  return { id: '1', protocol: 'http', pattern: 'orders.get', payload: {}, headers, receivedAt: Date.now(), isEvent: false };
}

describe(outgoingHeaders, () => {
  const deadline = (): number => Date.now() + 1000;

  it('should forward the version pin and the correlation id of the request being handled', () => {
    const message = inbound({ [VERSION_PIN_HEADER]: 'orders@2.1.x, inventory@^3', [CORRELATION_ID_HEADER]: 'c-1', other: 'x' });
    const headers = withMessage(message, () => outgoingHeaders(deadline()));
    expect(headers[VERSION_PIN_HEADER]).toBe('orders@2.1.x, inventory@^3');
    expect(headers[CORRELATION_ID_HEADER]).toBe('c-1');
    expect(headers.other).toBeUndefined();
    expect(Number(headers[TIMEOUT_HEADER])).toBeGreaterThan(0);
  });

  it('should forward the pin across an await (async context)', async () => {
    const message = inbound({ [VERSION_PIN_HEADER]: 'orders@2.1.x' });
    const headers = await withAsyncContext(message, async () => {
      await Promise.resolve();
      return outgoingHeaders(deadline());
    });
    expect(headers[VERSION_PIN_HEADER]).toBe('orders@2.1.x');
  });

  it("should let the call's own pin header replace the inbound one", () => {
    const message = inbound({ [VERSION_PIN_HEADER]: 'orders@2.1.x' });
    const headers = withMessage(message, () => outgoingHeaders(deadline(), { [VERSION_PIN_HEADER]: 'inventory@^3' }));
    expect(headers[VERSION_PIN_HEADER]).toBe('inventory@^3');
  });

  it('should send no pin outside a request, or when the request has none', () => {
    expect(outgoingHeaders(deadline())[VERSION_PIN_HEADER]).toBeUndefined();
    expect(withMessage(inbound({}), () => outgoingHeaders(deadline()))).not.toHaveProperty(VERSION_PIN_HEADER);
  });
});
