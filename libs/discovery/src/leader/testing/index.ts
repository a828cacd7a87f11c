// Test-only entry point (needs jest globals): not re-exported by the leader barrel.
export {
  describeLeaderElectorContract,
  type LeaderElectorContractHarness,
  type LeaderElectorContractOptions,
} from './leader-elector.contract';
