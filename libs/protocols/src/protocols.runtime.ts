import { Injectable } from '@nestjs/common';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import type { BoundAddresses } from './interfaces/bound-addresses.interface';
import type { ProtocolsStats } from './interfaces/protocols-stats.interface';
import type { TransportListener } from './transports/transport.descriptor';

export type { ProtocolsStats } from './interfaces/protocols-stats.interface';

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
  private listeners: readonly TransportListener[] = [];

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
    return Object.assign({}, ...this.listeners.map((listener) => listener.stats?.() ?? {})) as ProtocolsStats;
  }

  /** @internal */
  markReady(addresses: BoundAddresses, listeners: readonly TransportListener[] = []): void {
    this.listeners = listeners;
    this.state.next(addresses);
  }
}
