import { ProtocolError, VERSION_PIN_HEADER } from '@orion/protocols';
import { createRegistry } from '../registry/create-registry.util';
import { ServiceBalancer } from './service-balancer';

describe('ServiceBalancer version pins', () => {
  const registry = createRegistry('memory://version-pin-spec');
  const balancer = new ServiceBalancer({ service: 'orders', transport: 'tcp', metrics: false }, registry);
  const pin = (value: string): Record<string, string> => ({ [VERSION_PIN_HEADER]: value });

  afterAll(async () => {
    balancer.stop();
    await registry.close();
  });

  describe('versionPinOf', () => {
    it.each([
      ['the per-call version over both headers', '2.0.x', pin('orders@2.1.x'), pin('orders@3.x'), '2.0.x'],
      ["the call's own header over the inbound one", undefined, pin('inventory@1, orders@2.1.x'), pin('orders@3.x'), '2.1.x'],
      ['the inbound header when the own one names other services', undefined, pin('inventory@1'), pin('orders@3.x'), '3.x'],
      ['the inbound header alone', undefined, undefined, pin('gateway@*,orders@>=2.1.0 <2.2.0'), '>=2.1.0 <2.2.0'],
      ['nothing without a pin for this service', undefined, { other: 'x' }, pin('inventory@1'), undefined],
    ])('should take %s', (_what, version, own, inbound, expected) => {
      expect(balancer.versionPinOf(version, own, inbound)).toBe(expected);
    });
  });

  describe('checkVersionPin', () => {
    it('should accept a range and refuse anything else with INVALID_ARGUMENT naming service and pin', () => {
      expect(balancer.checkVersionPin('^2.1.0')).toBeUndefined();
      const error = balancer.checkVersionPin('two');
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error?.code).toBe('INVALID_ARGUMENT');
      expect(error?.message).toContain("'orders'");
      expect(error?.message).toContain('"two"');
    });
  });

  describe('noInstanceError', () => {
    it('should name the pinned range, or the transport without a pin', () => {
      expect(balancer.noInstanceError('2.1.x')).toMatchObject({ code: 'UNAVAILABLE' });
      expect(balancer.noInstanceError('2.1.x').message).toContain("'orders'");
      expect(balancer.noInstanceError('2.1.x').message).toContain("'2.1.x'");
      expect(balancer.noInstanceError(undefined).message).toContain('tcp');
    });
  });
});
