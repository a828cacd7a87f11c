import { unknownStrategyMessage } from '../balancing.messages';

/**
 * Thrown by `createStrategy` for a name that is not in `BALANCING_STRATEGIES`.
 *
 * @publicApi
 */
export class UnknownBalancingStrategyError extends Error {
  override readonly name = 'UnknownBalancingStrategyError';

  constructor(
    readonly strategyName: string,
    readonly validNames: readonly string[],
  ) {
    super(unknownStrategyMessage(strategyName, validNames));
  }
}
