import { invalidVersionRoutingMessage } from '../balancing.messages';

/**
 * Thrown when a client's `version` or `versionSplit` option is not usable: a range that is
 * not semver, a weight that is negative or not finite, weights that add up to 0, an empty
 * split. Raised at registration, so a typo fails the app at startup, not on the first call.
 *
 * @publicApi
 */
export class InvalidVersionRoutingError extends Error {
  override readonly name = 'InvalidVersionRoutingError';

  constructor(
    /** Who owns the option (`BalancedClientsModule 'orders'`). */
    readonly owner: string,
    /** The option at fault, with its path: `version`, `versionSplit[1].weight`. */
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(invalidVersionRoutingMessage(owner, option, value, expected));
  }
}
