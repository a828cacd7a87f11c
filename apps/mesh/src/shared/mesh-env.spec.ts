import { meshMqttOptions, readMeshEnv, withoutCredentials } from './mesh-env';

describe('mesh env', () => {
  it.each([
    ['mqtt://orion-client:s3cret@127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['redis://:pw@cache:6379/0', 'redis://cache:6379/0'],
    ['etcd://user:pw@10.0.0.1:2379,10.0.0.2:2379?tls=true', 'etcd://10.0.0.1:2379,10.0.0.2:2379?tls=true'],
    ['file:///home/me/.orion/registry', 'file:///home/me/.orion/registry'],
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
  ])('should show %s as %s', (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
  });

  it('should hand the broker credentials and the restart count from the environment to the process', () => {
    const env = readMeshEnv('orders', {
      MQTT_URL: 'mqtt://127.0.0.1:1',
      MQTT_USERNAME: 'orion-mesh',
      MQTT_PASSWORD: 'pw',
      MESH_RESTARTS: '2',
    });
    expect(meshMqttOptions(env)).toEqual({ url: 'mqtt://127.0.0.1:1', protocolVersion: 5, username: 'orion-mesh', password: 'pw' });
    expect(env.restarts).toBe(2);
    expect(readMeshEnv('orders', { MQTT_URL: 'mqtt://127.0.0.1:1' })).toMatchObject({ mqttUsername: undefined, restarts: 0 });
  });
});
