import { ProtocolError, type CallOptions } from '@orion/protocols';
import { Observable } from 'rxjs';
import type { TransportClient } from '../client/transport-clients';
import type { ServiceEndpoint, ServiceInstance } from '../registry/service-instance.interface';

/**
 * Faults of one simulated instance.
 *
 * @publicApi
 */
export interface InstanceFaults {
  /** Added to every call (ms). */
  latencyMs?: number;
  /** Share of calls (0..1) that fail with `errorCode` after the latency. */
  errorRate?: number;
  /** Code of injected failures. Default `UNAVAILABLE`. */
  errorCode?: 'UNAVAILABLE' | 'INTERNAL' | 'UNKNOWN';
  /** Share of calls (0..1) that get no answer at all: they end at the caller's deadline. */
  dropRate?: number;
  /** Every call hangs (until the caller's deadline). */
  isHung?: boolean;
  /** Refuse to connect: fails at once with UNAVAILABLE, marked not-sent (safe to retry). */
  isDown?: boolean;
}

/**
 * Instances that exist only in the test: a `clientFactory` for `BalancedClientsModule`
 * whose per-instance clients answer `handler(pattern, data, instanceId)` after the faults
 * configured for that instance. Randomness is injected, so runs are reproducible.
 *
 * @publicApi
 */
export class SimulatedInstances {
  private readonly faults = new Map<string, InstanceFaults>();
  /** Calls each instance received (dropped and failed ones included). */
  readonly calls = new Map<string, number>();

  constructor(
    private readonly handler: (pattern: string, data: unknown, instanceId: string) => unknown = (_p, data) => data,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sets (replaces) the faults of one instance. */
  inject(instanceId: string, faults: InstanceFaults): void {
    this.faults.set(instanceId, faults);
  }

  heal(instanceId: string): void {
    this.faults.delete(instanceId);
  }

  /** Pass as `clientFactory` in the balanced client's options. */
  readonly clientFactory = (_endpoint: ServiceEndpoint, instance: ServiceInstance): TransportClient => {
    const call = (pattern: string, data: unknown, options?: CallOptions) => this.call(instance.id, pattern, data, options);
    return { send: call, emit: call, close: () => undefined };
  };

  private call(id: string, pattern: string, data: unknown, options: CallOptions = {}): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      this.calls.set(id, (this.calls.get(id) ?? 0) + 1);
      const faults = this.faults.get(id) ?? {};
      if (faults.isDown) {
        subscriber.error(ProtocolError.unavailable(`simulated instance ${id} is down`, { isRequestSent: false }));
        return undefined;
      }
      const deadline = options.timeoutMs ?? 5000;
      if (faults.isHung || this.random() < (faults.dropRate ?? 0)) {
        const timer = setTimeout(
          () => subscriber.error(ProtocolError.deadlineExceeded(`simulated instance ${id} did not answer`)),
          deadline,
        );
        return () => clearTimeout(timer);
      }
      const fails = this.random() < (faults.errorRate ?? 0);
      const timer = setTimeout(() => {
        if (fails) return subscriber.error(new ProtocolError(faults.errorCode ?? 'UNAVAILABLE', `simulated failure of ${id}`));
        subscriber.next(this.handler(pattern, data, id));
        subscriber.complete();
      }, faults.latencyMs ?? 0);
      return () => clearTimeout(timer);
    });
  }
}
