import { parseTelemetry, TELEMETRY_MAX_CLIENTS, TELEMETRY_MAX_INSTANCES } from './telemetry-schema';

describe('parseTelemetry', () => {
  const client = {
    service: 'inventory',
    transport: 'grpc',
    strategy: 'p2c-ewma',
    requests: 3,
    retries: 0,
    budgetExhausted: 0,
    isStale: false,
  };

  it('should keep a well-formed message, known fields only', () => {
    const instance = {
      id: 'inventory-1-42',
      inFlight: 1,
      latencyEwmaMs: 2.5,
      successes: 3,
      failures: 0,
      ejections: 0,
      isEjected: false,
      picks: 3,
      protocol: 'grpc' as const,
      protocolSwitches: 0,
    };
    const parsed = parseTelemetry({
      instanceId: 'orders-1-7',
      extra: 'x',
      clients: [{ ...client, instances: [{ ...instance, secret: 1 }] }],
    });
    expect(parsed).toEqual({ instanceId: 'orders-1-7', clients: [{ ...client, instances: [instance] }] });
  });

  it('should give a client without an instances array an empty one, and zero for bad numbers', () => {
    const parsed = parseTelemetry({ instanceId: 'orders-1-7', clients: [{ service: 'inventory', requests: 'lots', retries: -1 }] });
    expect(parsed).toMatchObject({ clients: [{ service: 'inventory', instances: [], requests: 0, retries: 0, transport: '?' }] });
  });

  it('should keep a preference of transports and the protocols of each instance, dropping unknown ones', () => {
    const parsed = parseTelemetry({
      instanceId: 'orders-1-7',
      clients: [
        {
          ...client,
          transport: 'grpc,tcp',
          instances: [
            { id: 'a', protocol: 'tcp', protocols: ['grpc', 'smtp', 'tcp'], protocolSwitches: 2 },
            { id: 'b', protocol: 'smtp' },
          ],
        },
      ],
    });
    expect(parsed).toMatchObject({
      clients: [
        {
          transport: 'grpc,tcp',
          instances: [
            { id: 'a', protocol: 'tcp', protocols: ['grpc', 'tcp'], protocolSwitches: 2 },
            // NOTE: an unknown protocol (or none, from an older publisher) reads as the client's first transport.
            { id: 'b', protocol: 'grpc', protocolSwitches: 0 },
          ],
        },
      ],
    });
  });

  it('should bound the instances per client', () => {
    const instances = Array.from({ length: TELEMETRY_MAX_INSTANCES + 10 }, (_, i) => ({ id: `i-${i}` }));
    const parsed = parseTelemetry({ instanceId: 'orders-1-7', clients: [{ ...client, instances }] });
    expect(typeof parsed !== 'string' && parsed.clients[0].instances).toHaveLength(TELEMETRY_MAX_INSTANCES);
  });

  it.each([
    ['not-an-object', null],
    ['not-an-object', [1]],
    ['bad-instance-id', { clients: [] }],
    ['bad-instance-id', { instanceId: 'bad\u001b[2Jid', clients: [] }],
    ['bad-instance-id', { instanceId: 'x'.repeat(200), clients: [] }],
    ['bad-clients', { instanceId: 'orders-1-7' }],
    ['bad-clients', { instanceId: 'orders-1-7', clients: Array(TELEMETRY_MAX_CLIENTS + 1).fill(client) }],
    ['bad-clients', { instanceId: 'orders-1-7', clients: [{ service: '' }] }],
    ['too-large', { instanceId: 'orders-1-7', clients: [{ ...client, padding: 'x'.repeat(70_000) }] }],
  ])('should refuse as %s (case %#)', (reason, raw) => {
    expect(parseTelemetry(raw)).toBe(reason);
  });
});
