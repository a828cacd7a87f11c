import type { BoundAddresses } from '@orion/protocols';
import { ADVERTISE_HOST_ENV } from '../discovery.constants';
import { endpointsFromAddresses } from './endpoints-from-addresses.util';

const METHODS = { 'math.sum': { service: 'MathService', method: 'Sum' } };

/** All six listeners, as `startProtocols` reports them, with or without TLS. */
function allAddresses(tls: boolean, host = '127.0.0.1'): BoundAddresses {
  const url = (scheme: string, port: number, path = '') => `${scheme}${tls ? 's' : ''}://${host}:${port}${path}`;
  return {
    http: { host, port: 3001, url: url('http', 3001) },
    ws: { host, port: 3002, path: '/ws', url: url('ws', 3002, '/ws') },
    tcp: { host, port: 3003, tls },
    udp: { host, port: 3004 },
    grpc: {
      host,
      port: 3005,
      url: `${host}:3005`,
      tls,
      package: 'orion',
      services: ['MathService'],
      methods: METHODS,
      protoPath: '/tmp/x.proto',
    },
    mqtt: { url: `${tls ? 'mqtts' : 'mqtt'}://broker.local:${tls ? 8883 : 1884}`, topicBase: 'orion/math/i-1', protocolVersion: 5 },
  };
}

describe(endpointsFromAddresses.name, () => {
  const saved = process.env[ADVERTISE_HOST_ENV];
  beforeEach(() => delete process.env[ADVERTISE_HOST_ENV]);
  afterAll(() => (saved === undefined ? delete process.env[ADVERTISE_HOST_ENV] : (process.env[ADVERTISE_HOST_ENV] = saved)));

  it('advertises all six listeners in order, plain', () => {
    expect(endpointsFromAddresses(allAddresses(false))).toStrictEqual([
      { protocol: 'http', host: '127.0.0.1', port: 3001, url: 'http://127.0.0.1:3001', tls: false },
      { protocol: 'ws', host: '127.0.0.1', port: 3002, path: '/ws', url: 'ws://127.0.0.1:3002/ws', tls: false },
      { protocol: 'tcp', host: '127.0.0.1', port: 3003, tls: false },
      { protocol: 'udp', host: '127.0.0.1', port: 3004 },
      {
        protocol: 'grpc',
        host: '127.0.0.1',
        port: 3005,
        url: '127.0.0.1:3005',
        tls: false,
        grpcPackage: 'orion',
        grpcServices: ['MathService'],
        grpcMethods: METHODS,
      },
      {
        protocol: 'mqtt',
        host: 'broker.local',
        port: 1884,
        url: 'mqtt://broker.local:1884',
        mqttTopicBase: 'orion/math/i-1',
        mqttProtocolVersion: 5,
        tls: false,
      },
    ]);
  });

  it('advertises all six listeners in order, with TLS', () => {
    expect(endpointsFromAddresses(allAddresses(true))).toStrictEqual([
      { protocol: 'http', host: '127.0.0.1', port: 3001, url: 'https://127.0.0.1:3001', tls: true },
      { protocol: 'ws', host: '127.0.0.1', port: 3002, path: '/ws', url: 'wss://127.0.0.1:3002/ws', tls: true },
      { protocol: 'tcp', host: '127.0.0.1', port: 3003, tls: true },
      { protocol: 'udp', host: '127.0.0.1', port: 3004 },
      {
        protocol: 'grpc',
        host: '127.0.0.1',
        port: 3005,
        url: '127.0.0.1:3005',
        tls: true,
        grpcPackage: 'orion',
        grpcServices: ['MathService'],
        grpcMethods: METHODS,
      },
      {
        protocol: 'mqtt',
        host: 'broker.local',
        port: 8883,
        url: 'mqtts://broker.local:8883',
        mqttTopicBase: 'orion/math/i-1',
        mqttProtocolVersion: 5,
        tls: true,
      },
    ]);
  });

  it('puts the advertise host in every host and URL but the MQTT broker, bracketing IPv6', () => {
    const endpoints = endpointsFromAddresses(allAddresses(false, '0.0.0.0'), 'fd00::7');
    expect(endpoints.map((e) => [e.protocol, e.host, e.url])).toStrictEqual([
      ['http', 'fd00::7', 'http://[fd00::7]:3001'],
      ['ws', 'fd00::7', 'ws://[fd00::7]:3002/ws'],
      ['tcp', 'fd00::7', undefined],
      ['udp', 'fd00::7', undefined],
      ['grpc', 'fd00::7', '[fd00::7]:3005'],
      ['mqtt', 'broker.local', 'mqtt://broker.local:1884'],
    ]);
  });

  it('takes the advertise host from the environment when no option names one', () => {
    process.env[ADVERTISE_HOST_ENV] = 'mesh-1.internal';
    const endpoints = endpointsFromAddresses({ tcp: { host: '0.0.0.0', port: 4000 } });
    expect(endpoints).toStrictEqual([{ protocol: 'tcp', host: 'mesh-1.internal', port: 4000, tls: false }]);
  });

  it('advertises only the listeners bound; an MQTT URL without a port gets 1883', () => {
    const endpoints = endpointsFromAddresses({
      udp: { host: '10.0.0.5', port: 9 },
      mqtt: { url: 'mqtt://[::1]', topicBase: 't', protocolVersion: 4 },
    });
    expect(endpoints).toStrictEqual([
      { protocol: 'udp', host: '10.0.0.5', port: 9 },
      { protocol: 'mqtt', host: '[::1]', port: 1883, url: 'mqtt://[::1]', mqttTopicBase: 't', mqttProtocolVersion: 4, tls: false },
    ]);
    expect(endpointsFromAddresses({})).toEqual([]);
  });
});
