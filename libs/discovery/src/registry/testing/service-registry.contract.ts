/// <reference types="jest" />
import type { ServiceRegistry } from '../service-registry.interface';
import type { RegistryContractContext } from './contract-helpers.util';
import { describeRegistryBasicsContract } from './registry-basics.contract';
import { describeRegistryHostileContract } from './registry-hostile.contract';
import { describeRegistryLeasesContract } from './registry-leases.contract';
import { describeRegistryWatchContract } from './registry-watch.contract';

/**
 * A backend under contract test, built fresh for every test.
 *
 * @publicApi
 */
export interface ServiceRegistryContractHarness {
  /** A new registry object (a new owner) on this test's backend. The suite closes it. */
  createRegistry(): ServiceRegistry | Promise<ServiceRegistry>;
  /**
   * Stores an entry the way a foreign or hostile writer would, bypassing every adapter
   * check: `instance` as given (any shape, even not an object) at `service`/`id`, in the
   * backend's own envelope, with a lease of a minute or more. The malformed-entries tests
   * need it.
   */
  writeRawEntry?(service: string, id: string, instance: unknown): void | Promise<void>;
  /** Releases the backend (directory, server keys) after the test's registries are closed. */
  dispose?(): void | Promise<void>;
}

/**
 * Timing of the contract suite. Defaults suit the memory and file adapters; a networked
 * backend may need larger tolerances.
 *
 * @publicApi
 */
export interface ServiceRegistryContractOptions {
  /** Short TTL used by expiry tests. Default 300. */
  ttlMs?: number;
  /** How long after its TTL an expired entry may still be seen by list/watch. Default 1000. */
  expiryToleranceMs?: number;
  /** How long to wait for a watch emission. Default 2000. */
  watchTimeoutMs?: number;
  /** How long to watch for the absence of an emission. Default 700 (above the file poll). */
  quietPeriodMs?: number;
}

/**
 * Registers the shared `ServiceRegistry` contract as a jest suite, so every adapter proves
 * the same semantics: register/list/deregister, validation, duplicate ids, TTL expiry,
 * heartbeats, ordered snapshot watches, concurrent writers, close, and malformed entries
 * (skipped and counted; the harness's `writeRawEntry` stores them). Memory and file
 * adapters run it in unit tests; Redis and etcd adapters run it against real servers.
 * Uses real time with short TTLs; takes a few seconds per adapter.
 *
 * @example
 * describeServiceRegistryContract('MemoryRegistryAdapter', () => {
 *   const store = new MemoryRegistryStore();
 *   return { createRegistry: () => new MemoryRegistryAdapter({ store }) };
 * });
 * @publicApi
 */
export function describeServiceRegistryContract(
  name: string,
  factory: () => ServiceRegistryContractHarness | Promise<ServiceRegistryContractHarness>,
  options: ServiceRegistryContractOptions = {},
): void {
  const timing: Required<ServiceRegistryContractOptions> = {
    ttlMs: 300,
    expiryToleranceMs: 1000,
    watchTimeoutMs: 2000,
    quietPeriodMs: 700,
    ...options,
  };

  describe(`${name} (ServiceRegistry contract)`, () => {
    // A promise, so registries created concurrently share one harness.
    let harness: Promise<ServiceRegistryContractHarness> | undefined;
    let registries: ServiceRegistry[] = [];

    const context: RegistryContractContext = {
      timing,
      async writeRawEntry(service, id, instance) {
        harness ??= Promise.resolve(factory());
        const { writeRawEntry } = await harness;
        if (!writeRawEntry) throw new Error(`${name}: the contract harness has no writeRawEntry(service, id, instance)`);
        await writeRawEntry(service, id, instance);
      },
      async registry() {
        harness ??= Promise.resolve(factory());
        const registry = await (await harness).createRegistry();
        registries.push(registry);
        return registry;
      },
    };

    afterEach(async () => {
      await Promise.all(registries.map((registry) => registry.close()));
      registries = [];
      await (await harness)?.dispose?.();
      harness = undefined;
    });

    describeRegistryBasicsContract(context);
    describeRegistryLeasesContract(context);
    describeRegistryWatchContract(context);
    describeRegistryHostileContract(context);
  });
}
