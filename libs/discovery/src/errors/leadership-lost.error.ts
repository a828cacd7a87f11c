import { LEADERSHIP_LOST_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * `renew()` was called with a lease that is no longer the current one: it expired (even if
 * nobody took over yet), was resigned, or another candidate leads. The holder must stop
 * acting as leader at once.
 *
 * @publicApi
 */
export class LeadershipLostError extends DiscoveryError {
  constructor(
    readonly group: string,
    readonly leaderId: string,
    readonly fencingToken: number,
  ) {
    super(LEADERSHIP_LOST_MESSAGE(group, leaderId, fencingToken));
  }
}
