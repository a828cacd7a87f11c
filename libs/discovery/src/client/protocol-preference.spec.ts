import { InvalidTransportError } from '../errors/invalid-transport.error';
import { PROTOCOL_PROBE_MAX_MS, ProtocolPreference } from './protocol-preference';
import { protocolProbeMs, transportPreference } from './transport-preference.util';

describe('ProtocolPreference', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  /** grpc (0) preferred, tcp (1) next, probes after 100 ms. */
  const twoProtocols = () => new ProtocolPreference(['grpc', 'tcp'], 100, clock);

  describe('select', () => {
    it('should use the most preferred protocol while nothing refused', () => {
      const preference = twoProtocols();
      expect([preference.select(), preference.select()]).toEqual([0, 0]);
      expect(preference.protocol).toBe('grpc');
      expect(preference.switches).toBe(0);
    });
  });

  describe('refused', () => {
    it('should move to the next protocol and retry there at once', () => {
      const preference = twoProtocols();
      expect(preference.refused(preference.select())).toBe(1);
      expect(preference.protocol).toBe('tcp');
      expect(preference.isDown(0)).toBe(true);
      expect(preference.select()).toBe(1);
      expect(preference.switches).toBe(1);
      expect([...preference.switchCounts]).toEqual([['grpc>tcp', 1]]);
    });

    it('should report the last protocol refusing as the instance failing (-1)', () => {
      const preference = twoProtocols();
      preference.refused(0);
      expect(preference.refused(1)).toBe(-1);
      expect(preference.protocol).toBe('tcp');
      expect(preference.isDown(1)).toBe(false);
    });

    it('should skip protocols already down when falling back', () => {
      const preference = new ProtocolPreference(['grpc', 'tcp', 'http'], 100, clock);
      expect(preference.refused(0)).toBe(1);
      expect(preference.refused(1)).toBe(2);
      expect(preference.protocol).toBe('http');
      now += 100;
      expect(preference.select()).toBe(0); // probe grpc
      preference.succeeded(0);
      expect(preference.protocol).toBe('grpc');
      // grpc refuses again: tcp is still down, so the fall back goes straight to http.
      expect(preference.refused(0)).toBe(2);
      expect(preference.switches).toBe(4);
    });

    it('should ignore a late refusal of a protocol already down', () => {
      const preference = twoProtocols();
      preference.refused(0);
      expect(preference.refused(0)).toBe(1);
      expect(preference.switches).toBe(1);
      now += 100;
      // The late refusal did not push the probe back.
      expect(preference.select()).toBe(0);
    });

    it('should only mark a later protocol down when an old attempt on it refuses, keeping the one in use', () => {
      const preference = new ProtocolPreference(['grpc', 'tcp', 'http'], 100, clock);
      expect(preference.refused(1)).toBe(0);
      expect(preference.protocol).toBe('grpc');
      expect(preference.isDown(1)).toBe(true);
      expect(preference.refused(0)).toBe(2);
    });
  });

  describe('probes', () => {
    it('should go preferred down -> next -> probe after the interval -> back', () => {
      const preference = twoProtocols();
      preference.refused(preference.select());
      now += 99;
      expect(preference.select()).toBe(1);
      now += 1;
      const probe = preference.select();
      expect(probe).toBe(0);
      // One probe at a time: calls made while it runs stay on tcp.
      expect(preference.select()).toBe(1);
      preference.succeeded(probe);
      expect(preference.protocol).toBe('grpc');
      expect(preference.isDown(0)).toBe(false);
      expect(preference.select()).toBe(0);
      expect([...preference.switchCounts]).toEqual([
        ['grpc>tcp', 1],
        ['tcp>grpc', 1],
      ]);
    });

    it('should double the wait after each failed probe, up to the cap', () => {
      const preference = new ProtocolPreference(['grpc', 'tcp'], 10_000, clock);
      preference.refused(0);
      const waits: number[] = [];
      let wait = 10_000;
      for (let probe = 0; probe < 5; probe++) {
        now += wait - 1;
        expect(preference.select()).toBe(1);
        now += 1;
        expect(preference.select()).toBe(0);
        // The probe refuses: it retries on tcp at once.
        expect(preference.refused(0)).toBe(1);
        waits.push(wait);
        wait = Math.min(wait * 2, PROTOCOL_PROBE_MAX_MS);
      }
      expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
      expect(preference.protocol).toBe('tcp');
      expect(preference.switches).toBe(1);
    });

    it('should restart the backoff from protocolProbeMs after a successful probe', () => {
      const preference = twoProtocols();
      preference.refused(0);
      now += 100;
      preference.refused(preference.select()); // next wait 200
      now += 200;
      preference.succeeded(preference.select());
      preference.refused(0);
      now += 100;
      expect(preference.select()).toBe(0);
    });

    it('should count a probe that fails after sending as a failed probe', () => {
      const preference = twoProtocols();
      preference.refused(0);
      now += 100;
      preference.failed(preference.select());
      expect(preference.protocol).toBe('tcp');
      now += 199;
      expect(preference.select()).toBe(1);
      now += 1;
      expect(preference.select()).toBe(0);
    });

    it('should let the next call probe again when a probe is cancelled', () => {
      const preference = twoProtocols();
      preference.refused(0);
      now += 100;
      preference.abandoned(preference.select());
      expect(preference.select()).toBe(0);
    });

    it('should ignore an old success on a protocol that is down (no flapping)', () => {
      const preference = twoProtocols();
      preference.refused(0);
      preference.succeeded(0);
      expect(preference.protocol).toBe('tcp');
      expect(preference.isDown(0)).toBe(true);
    });

    it('should leave the state alone when an attempt on the protocol in use fails after sending', () => {
      const preference = twoProtocols();
      preference.failed(0);
      expect(preference.protocol).toBe('grpc');
      expect(preference.isDown(0)).toBe(false);
    });
  });
});

describe('transportPreference', () => {
  it.each([
    { transport: 'tcp', expected: ['tcp'] },
    { transport: ['grpc', 'tcp'], expected: ['grpc', 'tcp'] },
    { transport: ['http'], expected: ['http'] },
  ])('should accept $transport', ({ transport, expected }) => {
    expect(transportPreference('work', transport)).toEqual(expected);
  });

  it.each([
    { transport: [], reason: /the list is empty/ },
    { transport: 'smtp', reason: /unknown transport/ },
    { transport: ['grpc', 'smtp'], reason: /unknown transport "smtp"/ },
    { transport: ['grpc', 'tcp', 'grpc'], reason: /'grpc' appears twice/ },
    { transport: undefined, reason: /unknown transport/ },
    { transport: 'toString', reason: /unknown transport/ },
  ])('should refuse $transport with an InvalidTransportError naming the reason', ({ transport, reason }) => {
    const attempt = () => transportPreference('work', transport);
    expect(attempt).toThrow(InvalidTransportError);
    expect(attempt).toThrow(reason);
    expect(attempt).toThrow(/Valid transports: tcp, udp, grpc, mqtt, ws, http/);
  });
});

describe('protocolProbeMs', () => {
  it('should default and accept positive numbers', () => {
    expect(protocolProbeMs('work', undefined, 5000)).toBe(5000);
    expect(protocolProbeMs('work', 200, 5000)).toBe(200);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '200'])('should refuse %p', (value) => {
    expect(() => protocolProbeMs('work', value, 5000)).toThrow(/protocolProbeMs of 'work'/);
  });
});
