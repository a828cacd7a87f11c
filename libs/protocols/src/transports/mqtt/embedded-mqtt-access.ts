import { createHash, timingSafeEqual } from 'node:crypto';
import type { Aedes, AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { matchTopicFilter } from '../../bridge/topic-filter.util';

/**
 * Who may do what on the embedded broker. `mesh`: the mesh's own processes (servers,
 * clients, event publishers): publish and subscribe anywhere. `client`: a caller from
 * outside the mesh (a kiosk, a script): publishes requests on the topics it is allowed,
 * reads only the replies to its own requests, and nothing else.
 *
 * @publicApi
 */
export type EmbeddedMqttRole = 'mesh' | 'client';

/** @publicApi */
export interface EmbeddedMqttUser {
  username: string;
  password: string;
  role: EmbeddedMqttRole;
}

/** What `EmbeddedMqttAccess` enforces. */
export interface EmbeddedMqttAccessRules {
  /** Known users; undefined: no authentication, everyone is `mesh` (tests only). */
  users?: readonly EmbeddedMqttUser[];
  /** Topic filters a `client` may publish requests to. */
  clientPublish: readonly string[];
  /** Subscriptions a `client` may hold at once. */
  maxClientSubscriptions: number;
  /** Subscriptions a `mesh` process may hold at once. */
  maxMeshSubscriptions: number;
}

/** CONNACK return codes of MQTT 3.1.1. */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** Request ids a `client` may still get replies for (oldest dropped first). */
const MAX_PENDING_IDS_PER_CLIENT = 1000;

interface Session {
  role: EmbeddedMqttRole;
  username?: string;
  topics: Set<string>;
  /** `<reply topic>\n<request id>` of the `client`'s requests still waiting. */
  pending: Set<string>;
}

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

function refusal(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The request id in a JSON envelope or reply (`{ "id": ... }`), or undefined. */
function envelopeId(payload: Buffer | string): string | undefined {
  try {
    const id = (JSON.parse(payload.toString()) as { id?: unknown } | null)?.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Authentication and ACLs of the embedded broker, as aedes hooks:
 * - CONNECT: known username and password (compared in constant time); a client id already
 *   connected is refused (no takeover of a listener's session), except a `mesh` process
 *   reconnecting under the same username; a `client` gets clean sessions only (nothing
 *   kept after it leaves).
 * - PUBLISH by a `client`: only to `clientPublish` topics, never to a reply topic
 *   (`<topic>/reply`, `orion/replies/...`) or a `$` topic; a refused PUBLISH closes its connection.
 * - SUBSCRIBE by a `client`: no wildcards, only `<topic>/reply` of a topic it may publish to
 *   (or its own `orion/replies/<client id>`), at most `maxClientSubscriptions`; refused
 *   ones get SUBACK 0x80.
 * - Delivery to a `client` on `<topic>/reply` (MQTT 3.1.1 replies, shared by every caller of
 *   the topic): only replies whose id is one of its own pending requests.
 */
export class EmbeddedMqttAccess {
  private readonly sessions = new WeakMap<Client, Session>();
  private readonly users?: Map<string, { hash: Buffer; role: EmbeddedMqttRole }>;
  private readonly clientPublish: string[][];

  constructor(private readonly rules: EmbeddedMqttAccessRules) {
    if (rules.users) {
      this.users = new Map(rules.users.map((u) => [u.username, { hash: digest(u.password), role: u.role }]));
    }
    this.clientPublish = rules.clientPublish.map((filter) => filter.split('/'));
  }

  /** Installs the hooks on a broker (a client's state goes with its `Client` object: a WeakMap). */
  install(broker: Aedes): void {
    broker.authenticate = (client, username, password, done) => {
      const error = this.authenticate(broker, client, username, password);
      done(error ?? null, !error);
    };
    broker.authorizePublish = (client, packet, done) => done(client ? this.checkPublish(client, packet) : null);
    broker.authorizeSubscribe = (client, subscription, done) => done(null, this.checkSubscribe(client, subscription));
    broker.authorizeForward = (client, packet) => this.checkForward(client, packet);
    broker.on('unsubscribe', (topics, client) => {
      const session = this.sessions.get(client);
      for (const topic of topics) session?.topics.delete(topic);
    });
  }

  private authenticate(
    broker: Aedes,
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): AuthenticateError | undefined {
    let session: Session;
    if (!this.users) session = { role: 'mesh', topics: new Set(), pending: new Set() };
    else {
      const user = username === undefined ? undefined : this.users.get(username);
      if (!user || !password || !timingSafeEqual(user.hash, digest(password))) {
        return refusal('bad username or password', BAD_USERNAME_OR_PASSWORD);
      }
      session = { role: user.role, username, topics: new Set(), pending: new Set() };
    }
    const holder = (broker as unknown as { clients: Record<string, Client | undefined> }).clients[client.id];
    const holderSession = holder && holder !== client ? this.sessions.get(holder) : undefined;
    if (holder && holder !== client && !(session.role === 'mesh' && holderSession?.username === username && this.users)) {
      return refusal(`client id '${client.id}' is in use`, IDENTIFIER_REJECTED);
    }
    if (session.role === 'client' && !client.clean) {
      return refusal('clean sessions only', NOT_AUTHORIZED);
    }
    this.sessions.set(client, session);
    return undefined;
  }

  private checkPublish(client: Client, packet: PublishPacket): Error | null {
    const session = this.sessions.get(client);
    if (!session) return new Error('not authenticated');
    if (session.role === 'mesh') return null;
    const { topic } = packet;
    if (!this.mayRequest(topic)) return new Error(`a client may not publish to '${topic}'`);
    const id = envelopeId(packet.payload);
    if (id !== undefined) {
      session.pending.add(`${topic}/reply\n${id}`);
      if (session.pending.size > MAX_PENDING_IDS_PER_CLIENT) session.pending.delete(session.pending.values().next().value!);
    }
    return null;
  }

  private checkSubscribe(client: Client, subscription: Subscription): Subscription | null {
    const session = this.sessions.get(client);
    if (!session) return null;
    const { topic } = subscription;
    const limit = session.role === 'mesh' ? this.rules.maxMeshSubscriptions : this.rules.maxClientSubscriptions;
    if (!session.topics.has(topic) && session.topics.size >= limit) return null;
    if (session.role === 'client') {
      const isOwnReplies = topic === `orion/replies/${client.id}`;
      const isReplies = topic.endsWith('/reply') && this.mayRequest(topic.slice(0, -'/reply'.length));
      if (/[#+]/.test(topic) || !(isOwnReplies || isReplies)) return null;
    }
    session.topics.add(topic);
    return subscription;
  }

  private checkForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const session = this.sessions.get(client);
    if (!session) return null;
    if (session.role === 'mesh' || !packet.topic.endsWith('/reply')) return packet;
    const id = envelopeId(packet.payload);
    const key = `${packet.topic}\n${id}`;
    if (id === undefined || !session.pending.has(key)) return null;
    // The last reply of a call (`isDisposed`, errors included) releases its id.
    if (/"isDisposed"\s*:\s*true/.test(packet.payload.toString())) session.pending.delete(key);
    return packet;
  }

  /** A topic a `client` may send requests to: one of `clientPublish`, and no reply or system topic. */
  private mayRequest(topic: string): boolean {
    if (topic.startsWith('$') || topic.startsWith('orion/replies/') || topic.endsWith('/reply')) return false;
    return this.clientPublish.some((levels) => matchTopicFilter(levels, topic) !== undefined);
  }
}
