import { parseTelemetry, TELEMETRY_MAX_CLIENTS, TELEMETRY_MAX_INSTANCES, TELEMETRY_MAX_VERSIONS } from './telemetry-schema';

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

  it('should keep the version split and each instance version, bounded, and drop malformed entries', () => {
    const versions = [
      { version: '2.0.x', weight: 90, instances: 2, picks: 9, extra: 1 },
      { version: '>=2.1.0 <3', weight: 10, instances: 1, picks: 'x' },
      { version: '2.0.x"; drop', weight: 1 },
      { version: 'v'.repeat(65), weight: 1 },
      null,
      ...Array.from({ length: TELEMETRY_MAX_VERSIONS }, (_, i) => ({ version: `${i}.0.0`, weight: 1, instances: 0, picks: 0 })),
    ];
    const instances = [
      { id: 'inventory-1-42', version: '2.0.1' },
      { id: 'inventory-2-43', version: '2.1.0-rc.1' },
      { id: 'inventory-3-44', version: '\u001b[2J' },
      { id: 'inventory-4-45' },
    ];
    const parsed = parseTelemetry({ instanceId: 'orders-1-7', clients: [{ ...client, versions, instances }] });
    if (typeof parsed === 'string') throw new Error(parsed);
    const [c] = parsed.clients as Array<(typeof parsed.clients)[number] & { versions?: unknown[] }>;
    // The first 16 entries are read; the 3 malformed among them are dropped.
    expect(c.versions).toHaveLength(TELEMETRY_MAX_VERSIONS - 3);
    expect(c.versions!.slice(0, 2)).toEqual([
      { version: '2.0.x', weight: 90, instances: 2, picks: 9 },
      { version: '>=2.1.0 <3', weight: 10, instances: 1, picks: 0 },
    ]);
    expect(c.instances.map((i) => (i as { version?: string }).version)).toEqual(['2.0.1', '2.1.0-rc.1', undefined, undefined]);
    const without = parseTelemetry({ instanceId: 'orders-1-7', clients: [client] });
    expect(typeof without !== 'string' && without.clients[0]).not.toHaveProperty('versions');
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
