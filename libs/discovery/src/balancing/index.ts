export {
  BALANCING_DEFAULT_STRATEGY,
  CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES,
  INSTANCE_PICKER_DEFAULT_MIN_ZONE_INSTANCES,
  INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT,
  P2C_EWMA_DEFAULT_DECAY_MS,
  P2C_EWMA_FAILURE_PENALTY_FACTOR,
  P2C_EWMA_MAX_FAILURE_PENALTY_MS,
  WEIGHTED_MAX_SCHEDULE_LENGTH,
  WEIGHTED_MAX_SCHEDULE_WORK,
} from './balancing.constants';
export { UnknownBalancingStrategyError } from './errors/unknown-balancing-strategy.error';
export { InvalidVersionRoutingError } from './errors/invalid-version-routing.error';
export { InstancePicker, type InstancePickerOptions } from './instance-picker';
export { VersionSplitPicker, type VersionSplitPickerOptions, type VersionSubsetStats } from './version-split.picker';
export { findVersionPin, type VersionRoutingOptions, type VersionSplitEntry } from './utils/version-range.util';
export type { CallErrorKind, CallOutcome, LoadBalancingStrategy, PickContext } from './load-balancing-strategy.interface';
export {
  BALANCING_STRATEGIES,
  ConsistentHashStrategy,
  createStrategy,
  LeastConnectionsStrategy,
  P2cEwmaStrategy,
  RandomStrategy,
  RoundRobinStrategy,
  WeightedStrategy,
  type BalancingStrategyName,
  type BalancingStrategyOptions,
  type ConsistentHashStrategyOptions,
  type P2cEwmaStrategyOptions,
  type RandomStrategyOptions,
  type RoundRobinStrategyOptions,
} from './strategies';
