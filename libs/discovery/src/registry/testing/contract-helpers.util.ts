import type { Observable } from 'rxjs';
import type { ServiceRegistration, ServiceRegistry } from '../service-registry.interface';
import type { ServiceRegistryContractOptions } from './service-registry.contract';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Re-runs `probe` every `intervalMs` until it resolves without throwing, or rethrows its
 * last error once `timeoutMs` has passed. For assertions on eventually-consistent state.
 */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs: number, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

/** Values, completion and error of an observable, with a way to await the next match. */
export interface ObservableRecorder<T> {
  readonly values: readonly T[];
  readonly isComplete: boolean;
  readonly error: unknown;
  /**
   * Resolves with the first value after the previous match (or from the start) that
   * satisfies `predicate`; rejects after `timeoutMs` listing what was seen.
   */
  next(predicate: (value: T) => boolean, timeoutMs: number, label?: string): Promise<T>;
  unsubscribe(): void;
}

/** Subscribes to `source` and records everything it emits. */
export function recordObservable<T>(source: Observable<T>): ObservableRecorder<T> {
  const values: T[] = [];
  const waiters = new Set<() => void>();
  let cursor = 0;
  const state = { isComplete: false, error: undefined as unknown };
  const wake = (): void => waiters.forEach((waiter) => waiter());
  const subscription = source.subscribe({
    next: (value) => {
      values.push(value);
      wake();
    },
    error: (error: unknown) => {
      state.error = error;
      wake();
    },
    complete: () => {
      state.isComplete = true;
      wake();
    },
  });
  return {
    values,
    get isComplete() {
      return state.isComplete;
    },
    get error() {
      return state.error;
    },
    next(predicate, timeoutMs, label = 'a matching value') {
      return new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          for (let i = cursor; i < values.length; i++) {
            if (predicate(values[i])) {
              cursor = i + 1;
              resolve(values[i]);
              return true;
            }
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = JSON.stringify(values.slice(cursor));
          reject(new Error(`Timed out after ${timeoutMs}ms waiting for ${label}; values since last match: ${seen}`));
        }, timeoutMs);
        const waiter = (): void => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
      });
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/** What each section of the contract receives. */
export interface RegistryContractContext {
  /** A new registry (owner) on the current test's backend; closed after the test. */
  registry(): Promise<ServiceRegistry>;
  readonly timing: Required<ServiceRegistryContractOptions>;
  /** Stores `instance` as is under `service`/`id`, as a hostile writer would (see the harness). */
  writeRawEntry(service: string, id: string, instance: unknown): Promise<void>;
}

/** A valid registration for contract tests, with optional overrides. */
export function contractInstance(service: string, id: string, overrides: Partial<ServiceRegistration> = {}): ServiceRegistration {
  return {
    id,
    service,
    version: '1.0.0',
    weight: 1,
    metadata: {},
    status: 'passing',
    endpoints: [{ protocol: 'tcp', host: '127.0.0.1', port: 4000 }],
    ...overrides,
  };
}
