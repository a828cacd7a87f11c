import { Injectable } from '@nestjs/common';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import type { BoundAddresses } from './interfaces/bound-addresses.interface';
import type { ProtocolsStats } from './interfaces/protocols-stats.interface';
import type { MqttServer } from './transports/mqtt/mqtt.server';
import type { TcpServer } from './transports/tcp/tcp.server';
import type { UdpServer } from './transports/udp/udp.server';
import type { WsServer } from './transports/ws/ws.server';

export type { ProtocolsStats } from './interfaces/protocols-stats.interface';

/** The servers `startProtocols` started, as the runtime reads their counters. @internal */
export interface StartedListeners {
  tcp?: TcpServer;
  udp?: UdpServer;
  ws?: WsServer;
  mqtt?: MqttServer;
}

/**
 * This app's listeners at run time: where they are bound, once they all are (discovery
 * waits on `ready()` so that nothing is advertised before every listener is up), and
 * their counters (`stats()`). Inject it anywhere; ProtocolsModule provides it.
 *
 * @publicApi
 */
@Injectable()
export class ProtocolsRuntime {
  private readonly state = new BehaviorSubject<BoundAddresses | undefined>(undefined);
  private listeners: StartedListeners = {};

  /** Emits once, when every configured listener is up. */
  readonly addresses$: Observable<BoundAddresses> = this.state.pipe(filter((a): a is BoundAddresses => a !== undefined));

  get addresses(): BoundAddresses | undefined {
    return this.state.value;
  }

  ready(): Promise<BoundAddresses> {
    return firstValueFrom(this.addresses$);
  }

  /**
   * A snapshot of the listeners' counters (dropped messages, refused connections, UDP
   * datagram counts). Empty before `startProtocols`.
   */
  stats(): ProtocolsStats {
    const { tcp, udp, ws, mqtt } = this.listeners;
    const stats: ProtocolsStats = {};
    if (tcp) stats.tcp = { droppedMessages: tcp.droppedMessages, refusedConnections: tcp.refusedConnections };
    if (ws) stats.ws = { refusedConnections: ws.refusedConnections };
    if (mqtt) stats.mqtt = { droppedMessages: mqtt.droppedMessages };
    if (udp) stats.udp = udp.stats();
    return stats;
  }

  /** @internal */
  markReady(addresses: BoundAddresses, listeners: StartedListeners = {}): void {
    this.listeners = listeners;
    this.state.next(addresses);
  }
}
