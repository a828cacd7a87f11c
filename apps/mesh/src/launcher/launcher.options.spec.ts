import { resolve } from 'node:path';
import { HELP, parseLauncherOptions } from './launcher.options';

describe('parseLauncherOptions', () => {
  it('should default to 3 orders, 2 inventory, p2c-ewma, a file registry under .orion and the embedded broker', () => {
    expect(parseLauncherOptions([], {})).toEqual({
      orders: 3,
      inventory: 2,
      strategy: 'p2c-ewma',
      port: undefined,
      trafficRps: 2,
      dir: resolve('.orion'),
      registryUrl: `file://${resolve('.orion/registry')}`,
      mqttUrl: undefined,
      ttlMs: 3000,
      canary: 0,
      isHelp: false,
    });
  });

  it('should take a number of canary instances from --canary or CANARY, and refuse a bad one', () => {
    expect(parseLauncherOptions(['--canary', '1'], {}).canary).toBe(1);
    expect(parseLauncherOptions([], { CANARY: '2' }).canary).toBe(2);
    expect(() => parseLauncherOptions(['--canary', '-1'], {})).toThrow('--canary must be a number in 0..10');
  });

  it('should take flags in both forms, over the environment', () => {
    const options = parseLauncherOptions(['--orders', '4', '--inventory=1', '--strategy', 'round-robin'], {
      ORDERS_INSTANCES: '2',
      STRATEGY: 'random',
      REGISTRY_URL: 'etcd://127.0.0.1:2379',
      MQTT_URL: 'mqtt://broker:1883',
    });
    expect(options).toMatchObject({
      orders: 4,
      inventory: 1,
      strategy: 'round-robin',
      registryUrl: 'etcd://127.0.0.1:2379',
      mqttUrl: 'mqtt://broker:1883',
    });
  });

  it('should read the environment when no flag is given', () => {
    expect(parseLauncherOptions([], { ORDERS_INSTANCES: '5', INVENTORY_INSTANCES: '3', DEMO_TRAFFIC: '0', PORT: '8080' })).toMatchObject({
      orders: 5,
      inventory: 3,
      trafficRps: 0,
      port: 8080,
    });
  });

  it.each([
    [['--orders', '0'], /--orders must be a number in 1..10/],
    [['--orders', '2.5'], /--orders must be a whole number/],
    [['--strategy', 'fastest'], /unknown strategy 'fastest'; valid: round-robin/],
    [['--colour', 'blue'], /unknown option '--colour'/],
    [['--port'], /--port needs a value/],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseLauncherOptions(argv, {})).toThrow(message);
  });

  it('should document every flag and its environment variable in --help', () => {
    expect(parseLauncherOptions(['--help'], {}).isHelp).toBe(true);
    for (const text of [
      '--orders',
      'ORDERS_INSTANCES',
      '--inventory',
      'INVENTORY_INSTANCES',
      '--strategy',
      'STRATEGY',
      '--registry',
      'REGISTRY_URL',
      '--mqtt',
      'MQTT_URL',
    ]) {
      expect(HELP).toContain(text);
    }
  });
});
