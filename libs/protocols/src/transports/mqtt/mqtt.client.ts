import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { IClientOptions, IPublishPacket, MqttClient as MqttConnection } from 'mqtt';
import { defer, mergeMap, Observable } from 'rxjs';
import { CLIENT_DEFAULT_TIMEOUT_MS } from '../../protocols.constants';
import type { CallOptions } from '../../interfaces/client-options.interface';
import { outgoingDeadline } from '../../context/outgoing-headers.util';
import { ProtocolError } from '../../errors/protocol.error';
import { NOT_SENT_DETAILS, toClientError } from '../client-call.util';
import { createPacket } from '../nest-compat.util';
import { importOptionalPackage } from '../../utils/import-optional-package.util';
import { callByDeadline, resolveClientTimeout, startEagerly, withOutgoingHeaders } from '../client-emit.util';
import { ClientStatus, ForwardedListeners, MemoisedConnection, WaitingCalls } from '../client-shell.util';
import { CLIENT_CLOSED, CLIENT_CONNECTION_LOST, CLIENT_INVALID_OPTION, CLIENT_NOT_CONNECTED, MQTT_NO_SUBSCRIBER } from '../client.messages';
import type { MqttClientEvents, MqttClientOptions } from './mqtt-client.options';
import {
  encodeMqttMessage,
  mqttConnectError,
  mqttPublishError,
  mqttTopic,
  parseMqttReply,
  type MqttOutgoing,
} from './mqtt-client-wire.util';
import { MqttUnheardPublishes, mqttReplyTopic, untilConnected, type MqttPendingCall as PendingCall } from './mqtt-connection.util';
import { MqttReplySubscriptions, type ReplySubscription } from './mqtt-reply-subscriptions';
import { clientTlsOptions, loadClientTls, type ClientTlsConnectOptions } from '../../tls/tls-material.util';

const CLIENT_NAME = 'MqttClient';

/**
 * A Nest `ClientProxy` for `MqttServer` (and Nest's `ServerMqtt`): requests and events on
 * the pattern's topic as the JSON envelope `{ id?, pattern, data, metadata? }`, QoS 1.
 *
 * - MQTT 5 (default): one reply topic per client (`orion/replies/<client id>`); requests carry
 *   it as response topic, their id as correlation data, headers as user properties and the
 *   remaining budget as message expiry. A request nobody subscribes to fails at once with
 *   UNAVAILABLE (`isRequestSent: false`).
 * - MQTT 3.1.1: headers in the envelope's `metadata`; replies on `<topic>/reply`, to which
 *   the client subscribes while calls on that topic wait; matched by id.
 * - One connection, opened by `connect()` (memoised), never reconnected in the background:
 *   after a drop the next call connects again. Calls waiting when it drops end with
 *   UNAVAILABLE; an unreachable broker is UNAVAILABLE with `isRequestSent: false`; every
 *   call ends by its deadline.
 * - `mqtts://` with `tls` (the broker's CA, a client certificate): a failed TLS handshake
 *   is UNAVAILABLE naming the reason; credentials the broker refuses are UNAUTHENTICATED.
 *
 * @publicApi
 */
export class MqttClient extends ClientProxy<MqttClientEvents, ClientStatus> {
  private readonly log = new Logger(CLIENT_NAME);
  private readonly options: MqttClientOptions;
  private readonly protocolVersion: 4 | 5;
  private readonly timeoutMs: number;
  private readonly tlsOptions?: ClientTlsConnectOptions;
  private readonly pending = new WaitingCalls<string, PendingCall>();
  private readonly listeners = new ForwardedListeners();
  private readonly connection = new MemoisedConnection(() => this.open());
  private mqtt?: MqttConnection;
  private subscriptions?: MqttReplySubscriptions;
  private replyTopic?: string;
  private readonly unheard = new MqttUnheardPublishes();

  constructor(options: MqttClientOptions) {
    super();
    if (typeof options.url !== 'string' || !URL.canParse(options.url))
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'url', 'a broker URL'));
    const protocolVersion = options.protocolVersion ?? 5;
    if (protocolVersion !== 4 && protocolVersion !== 5)
      throw new RangeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'protocolVersion', '4 or 5'));
    if (options.topicBase !== undefined && !/^[^#+]+$/.test(options.topicBase)) {
      throw new TypeError(CLIENT_INVALID_OPTION(CLIENT_NAME, 'topicBase', 'a topic without wildcards'));
    }
    this.options = { ...options, topicBase: options.topicBase?.replace(/\/+$/, '') };
    this.protocolVersion = protocolVersion;
    this.timeoutMs = resolveClientTimeout(CLIENT_NAME, options.timeoutMs, CLIENT_DEFAULT_TIMEOUT_MS);
    if (options.tls) this.tlsOptions = clientTlsOptions(loadClientTls(options.tls, 'tls'));
  }

  /** Connects to the broker (and, on MQTT 5, subscribes to the reply topic). Memoised; reset by `close` and on a drop. */
  connect(): Promise<MqttConnection> {
    return this.connection.get();
  }

  /** Disconnects. Idempotent. Calls still waiting end with UNAVAILABLE. */
  async close(): Promise<void> {
    const mqtt = this.mqtt;
    this.reset();
    this.failPending(ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME)));
    if (!mqtt) return;
    this._status$.next(ClientStatus.DISCONNECTED);
    await mqtt.endAsync(true).catch(() => undefined);
  }

  /** Forwards an mqtt.js client event; listeners given before `connect` attach then. */
  override on<
    EventKey extends keyof MqttClientEvents = keyof MqttClientEvents,
    EventCallback extends MqttClientEvents[EventKey] = MqttClientEvents[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.listeners.add(event, callback, this.mqtt);
  }

  /** The mqtt.js client. */
  unwrap<T>(): T {
    if (!this.mqtt) throw new Error(CLIENT_NOT_CONNECTED(CLIENT_NAME));
    return this.mqtt as T;
  }

  /** Publishes a request and emits its reply; `options` override the timeout and add headers. */
  override send<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    return callByDeadline(CLIENT_NAME, pattern, options.timeoutMs, this.timeoutMs, (deadline) => {
      const packet = withOutgoingHeaders(createPacket(this, pattern, data), deadline, options.headers);
      return defer(() => this.connect()).pipe(
        mergeMap(() => new Observable<TResult>((observer) => this.startCall(packet, deadline, this.createObserver(observer)))),
      );
    });
  }

  /** Publishes an event (no id, no reply); completes once the broker acknowledged it. */
  override emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput, options: CallOptions = {}): Observable<TResult> {
    return startEagerly(
      callByDeadline(CLIENT_NAME, pattern, options.timeoutMs, this.timeoutMs, (deadline) => {
        const packet = withOutgoingHeaders(createPacket(this, pattern, data), deadline, options.headers);
        return defer(() => this.connect()).pipe(mergeMap(() => this.publishEvent<TResult>(packet, deadline)));
      }),
    );
  }

  /** Builds the mqtt.js client (loaded on first use); the seam for tests and TLS options. */
  protected async createConnection(url: string, options: IClientOptions): Promise<MqttConnection> {
    const { connect } = await importOptionalPackage('mqtt', 'MqttClient', () => import('mqtt'));
    return connect(url, options);
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // NOTE: Nest's own `send` path, kept for subclasses; `send` above adds per-call options.
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.startCall(withOutgoingHeaders(packet, deadline), deadline, callback);
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const deadline = outgoingDeadline(this.timeoutMs);
    return this.publishEvent<T>(withOutgoingHeaders(packet, deadline), deadline);
  }

  private async open(): Promise<MqttConnection> {
    const clientId = this.options.clientId ?? `orion-client-${randomUUID()}`;
    const mqtt = await this.createConnection(this.options.url, {
      ...this.tlsOptions,
      protocolVersion: this.protocolVersion,
      username: this.options.username,
      password: this.options.password,
      clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.timeoutMs,
    });
    // NOTE: mqtt.js emits 'error' for failed connects and refused packets; unhandled, it would throw.
    mqtt.on('error', (error) => this.log.debug(`MQTT client error: ${error.message}`));
    this.mqtt = mqtt;
    const subscriptions = new MqttReplySubscriptions(mqtt);
    try {
      await untilConnected(mqtt);
      if (this.mqtt !== mqtt) throw ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME), NOT_SENT_DETAILS);
      const replyTopic = mqttReplyTopic(this.protocolVersion, clientId);
      if (replyTopic) await subscriptions.acquire(replyTopic).ready;
      if (this.mqtt !== mqtt) throw ProtocolError.unavailable(CLIENT_CLOSED(CLIENT_NAME), NOT_SENT_DETAILS);
      this.replyTopic = replyTopic;
    } catch (error) {
      if (this.mqtt === mqtt) this.mqtt = undefined;
      mqtt.end(true);
      throw mqttConnectError(CLIENT_NAME, this.options.url, error);
    }
    this.subscriptions = subscriptions;
    // NOTE: as on TCP, Nagle's algorithm would hold small publishes back for ~40 ms.
    (mqtt.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
    mqtt.on('message', (_topic, payload, packet) => this.handleReply(payload, packet));
    this.unheard.watch(mqtt);
    mqtt.once('close', () => this.handleClose(mqtt));
    this.listeners.attachTo(mqtt);
    this._status$.next(ClientStatus.CONNECTED);
    return mqtt;
  }

  private encode(packet: ReadPacket, id: string | undefined, deadline: number): MqttOutgoing {
    return encodeMqttMessage(packet, { id, deadline, protocolVersion: this.protocolVersion, replyTopic: this.replyTopic });
  }

  /** Publishes a request and waits for its reply; returns the teardown. */
  private startCall(packet: ReadPacket, deadline: number, callback: (packet: WritePacket) => void): () => void {
    const id = randomUUID();
    const mqtt = this.mqtt;
    const subscriptions = this.subscriptions;
    let topic: string;
    try {
      if (!mqtt || !subscriptions || !mqtt.connected) throw ProtocolError.unavailable(CLIENT_NOT_CONNECTED(CLIENT_NAME), NOT_SENT_DETAILS);
      topic = mqttTopic(this.options.topicBase, String(packet.pattern));
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return () => undefined;
    }
    const call: PendingCall = { callback, hasResponse: false };
    const fail = (error: ProtocolError) => {
      if (!this.pending.take(id, call)) return;
      callback({ err: error, isDisposed: true });
    };
    const transmit = () => {
      if (!this.pending.isWaiting(id, call)) return;
      let encoded: MqttOutgoing;
      try {
        encoded = this.encode(packet, id, deadline);
      } catch (error) {
        return fail(toClientError(error));
      }
      mqtt.publish(topic, encoded.payload, encoded.options, (error, sent) => {
        if (error) return fail(mqttPublishError(CLIENT_NAME, error));
        if (this.unheard.wasUnheard(sent)) fail(ProtocolError.unavailable(MQTT_NO_SUBSCRIBER(topic), NOT_SENT_DETAILS));
      });
    };
    this.pending.set(id, call);
    let subscription: ReplySubscription | undefined;
    if (this.protocolVersion === 5) transmit();
    else {
      subscription = subscriptions.acquire(`${topic}/reply`);
      subscription.ready.then(transmit, (error: unknown) =>
        fail(ProtocolError.unavailable(error instanceof Error ? error.message : String(error), NOT_SENT_DETAILS)),
      );
    }
    return () => {
      this.pending.take(id, call);
      if (subscription) subscriptions.release(subscription);
      subscription = undefined;
    };
  }

  private publishEvent<T>(packet: ReadPacket, deadline: number): Promise<T> {
    const mqtt = this.mqtt;
    if (!mqtt || !mqtt.connected) return Promise.reject(ProtocolError.unavailable(CLIENT_NOT_CONNECTED(CLIENT_NAME), NOT_SENT_DETAILS));
    let topic: string;
    let encoded: MqttOutgoing;
    try {
      topic = mqttTopic(this.options.topicBase, String(packet.pattern));
      encoded = this.encode(packet, undefined, deadline);
    } catch (error) {
      return Promise.reject(error);
    }
    // Tracked like a request, so that a drop or `close` before the PUBACK fails it.
    const key = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const callback = ({ err }: WritePacket) => (err ? reject(err) : resolve(undefined as T));
      const call: PendingCall = { callback, hasResponse: false, isEvent: true };
      this.pending.set(key, call);
      mqtt.publish(topic, encoded.payload, encoded.options, (error, sent) => {
        // NOTE: an event nobody subscribes to is still delivered as far as MQTT goes (as in Nest).
        this.unheard.wasUnheard(sent);
        if (!this.pending.take(key, call)) return;
        callback(error ? { err: mqttPublishError(CLIENT_NAME, error) } : { response: undefined, isDisposed: true });
      });
    });
  }

  private handleReply(payload: Buffer, packet: IPublishPacket): void {
    const reply = parseMqttReply(payload, packet);
    const call = reply && this.pending.get(reply.id);
    // Not ours: late (after the deadline), junk, or the answer to another client on a shared `<topic>/reply`.
    if (!reply || !call || call.isEvent) return;
    if (reply.err !== undefined && reply.err !== null) {
      this.pending.delete(reply.id);
      return call.callback({ err: reply.err, isDisposed: true });
    }
    if (reply.isDisposed === true) {
      this.pending.delete(reply.id);
      // A handler that returned nothing still answers, with null (as on the other transports).
      const response = reply.response === undefined && !call.hasResponse ? null : reply.response;
      return call.callback({ response, isDisposed: true });
    }
    call.hasResponse = true;
    call.callback({ response: reply.response ?? null });
  }

  private handleClose(mqtt: MqttConnection): void {
    if (this.mqtt !== mqtt) return;
    this.reset();
    mqtt.end(true);
    this._status$.next(ClientStatus.DISCONNECTED);
    this.failPending(ProtocolError.unavailable(CLIENT_CONNECTION_LOST(CLIENT_NAME)));
  }

  private reset(): void {
    this.mqtt = undefined;
    this.subscriptions = undefined;
    this.replyTopic = undefined;
    this.unheard.clear();
    this.connection.reset();
  }

  private failPending(error: ProtocolError): void {
    for (const call of this.pending.drain()) call.callback({ err: error, isDisposed: true });
  }
}
