import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { MQTT_DEFAULT_MAX_PAYLOAD_BYTES } from '../../protocols.constants';
import { importOptionalPackage } from '../../utils/import-optional-package.util';
import { EmbeddedMqttAccess, type EmbeddedMqttUser } from './embedded-mqtt-access';
import { MqttPacketSizeGuard } from './mqtt-packet-size.guard';

/** Room for the topic and headers around the largest payload (bytes). */
const PACKET_OVERHEAD_BYTES = 64 * 1024;
/** Subscriptions per connection: a `client` needs a few reply topics; a mesh process two per endpoint. */
const DEFAULT_MAX_CLIENT_SUBSCRIPTIONS = 100;
const DEFAULT_MAX_MESH_SUBSCRIPTIONS = 10_000;

/** A username and password to connect with. @publicApi */
export interface MqttCredentials {
  username: string;
  password: string;
}

/** @publicApi */
export interface EmbeddedMqttBrokerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /**
   * Require a username and password. `true`: generate two users at start, `orion-mesh`
   * (role `mesh`) and `orion-client` (role `client`), returned in `credentials`; or give
   * the users. Default: no authentication, every connection acts as `mesh` (tests only).
   */
  auth?: boolean | { users: EmbeddedMqttUser[] };
  /** Topic filters a `client` may publish requests to. Default `['#']`: any but reply and `$` topics. */
  clientPublish?: string[];
  /**
   * Largest MQTT packet taken, in bytes: a larger one closes the connection as soon as its
   * header arrives. Default 1 MiB (the listeners' default `maxPayloadBytes`) + 64 KiB.
   */
  maxPacketBytes?: number;
  /** Subscriptions one `client` connection may hold; more get SUBACK 0x80. Default 100 (mesh processes: 10,000). */
  maxSubscriptionsPerClient?: number;
}

/** A running in-process broker. */
export interface EmbeddedMqttBroker {
  /** `mqtt://host:port`, without credentials. */
  url: string;
  port: number;
  /** With `auth`: the first user of each role (the generated ones for `auth: true`). */
  credentials?: { mesh?: MqttCredentials; client?: MqttCredentials };
  close(): Promise<void>;
}

/**
 * Starts an in-process MQTT 3.1.1 broker (npm `aedes`) on loopback: the embedded default
 * of `npm start` and of tests that need no Mosquitto. It does not speak MQTT 5, so
 * connect Orion's MQTT listener with `protocolVersion: 4`. With `auth` it checks
 * credentials and ACLs (see `EmbeddedMqttAccess` and docs/security.md); packet size and
 * subscription limits always apply.
 *
 * @publicApi
 */
export async function startEmbeddedMqttBroker(options: EmbeddedMqttBrokerOptions = {}): Promise<EmbeddedMqttBroker> {
  const users = embeddedUsers(options.auth);
  const maxPacketBytes = options.maxPacketBytes ?? MQTT_DEFAULT_MAX_PAYLOAD_BYTES + PACKET_OVERHEAD_BYTES;
  if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 1024) throw new RangeError('maxPacketBytes must be a whole number >= 1024');
  const { Aedes } = await importOptionalPackage('aedes', 'startEmbeddedMqttBroker()', () => import('aedes'));
  const broker = await Aedes.createBroker();
  new EmbeddedMqttAccess({
    users,
    clientPublish: options.clientPublish ?? ['#'],
    maxClientSubscriptions: options.maxSubscriptionsPerClient ?? DEFAULT_MAX_CLIENT_SUBSCRIPTIONS,
    maxMeshSubscriptions: DEFAULT_MAX_MESH_SUBSCRIPTIONS,
  }).install(broker);
  const server = createServer((socket) => {
    // NOTE: no Nagle: with delayed ACKs it stalls small request/reply packets ~40 ms.
    socket.setNoDelay(true);
    const guard = new MqttPacketSizeGuard(maxPacketBytes);
    guard.once('error', () => socket.destroy());
    socket.pipe(guard);
    broker.handle(Duplex.from({ readable: guard, writable: socket }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const first = (role: EmbeddedMqttUser['role']) => {
    const user = users?.find((u) => u.role === role);
    return user && { username: user.username, password: user.password };
  };
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    credentials: users && { mesh: first('mesh'), client: first('client') },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      })),
  };
}

function embeddedUsers(auth: EmbeddedMqttBrokerOptions['auth']): EmbeddedMqttUser[] | undefined {
  if (!auth) return undefined;
  if (auth === true) {
    const secret = () => randomBytes(18).toString('base64url');
    return [
      { username: 'orion-mesh', password: secret(), role: 'mesh' },
      { username: 'orion-client', password: secret(), role: 'client' },
    ];
  }
  if (!Array.isArray(auth.users) || auth.users.length === 0) throw new TypeError('auth.users must list at least one user');
  for (const user of auth.users) {
    if (!user?.username || !user.password || (user.role !== 'mesh' && user.role !== 'client')) {
      throw new TypeError("every auth user needs a username, a password and a role ('mesh' or 'client')");
    }
  }
  return auth.users;
}
