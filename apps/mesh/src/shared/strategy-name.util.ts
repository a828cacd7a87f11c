import { BALANCING_STRATEGIES, type BalancingStrategyName } from '@orion/discovery';

/** The strategy names `--strategy` accepts. */
export const STRATEGY_NAMES = Object.keys(BALANCING_STRATEGIES) as BalancingStrategyName[];

/** Narrows a flag value to a strategy name; throws listing the valid ones. */
export function toStrategyName(name: string): BalancingStrategyName {
  if (!(STRATEGY_NAMES as string[]).includes(name)) throw new Error(`unknown strategy '${name}'; valid: ${STRATEGY_NAMES.join(', ')}`);
  return name as BalancingStrategyName;
}
