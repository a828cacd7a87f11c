// Test-only entry point (needs jest globals): not re-exported by the registry barrel.
export {
  describeServiceRegistryContract,
  type ServiceRegistryContractHarness,
  type ServiceRegistryContractOptions,
} from './service-registry.contract';
export { contractInstance } from './contract-helpers.util';
