import { Injectable } from '@nestjs/common';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import type { BoundAddresses } from './interfaces/bound-addresses.interface';

/**
 * Where this app's listeners are bound, once they all are. Discovery waits on `ready()`
 * so that nothing is advertised before every listener is up.
 *
 * @publicApi
 */
@Injectable()
export class ProtocolsRuntime {
  private readonly state = new BehaviorSubject<BoundAddresses | undefined>(undefined);

  /** Emits once, when every configured listener is up. */
  readonly addresses$: Observable<BoundAddresses> = this.state.pipe(filter((a): a is BoundAddresses => a !== undefined));

  get addresses(): BoundAddresses | undefined {
    return this.state.value;
  }

  ready(): Promise<BoundAddresses> {
    return firstValueFrom(this.addresses$);
  }

  /** @internal */
  markReady(addresses: BoundAddresses): void {
    this.state.next(addresses);
  }
}
