export const unknownStrategyMessage = (name: string, validNames: readonly string[]): string =>
  `Unknown load-balancing strategy "${name}". Valid strategies: ${validNames.join(', ')}; ` +
  'or pass an object that implements LoadBalancingStrategy.';

export const invalidStrategyMessage = (): string =>
  'A load-balancing strategy must be a strategy name or an object with a name and a pick() method.';

export const invalidVersionRoutingMessage = (owner: string, option: string, value: unknown, expected: string): string =>
  `${owner}: invalid option '${option}': ${describe(value)} (expected ${expected}).`;

export const invalidVersionPinMessage = (service: string, range: string): string =>
  `version pin of '${service}' is not a semver range: ${JSON.stringify(range)}`;

export const noPinnedInstanceMessage = (service: string, range: string): string =>
  `no usable instance of '${service}' has a version in the pinned range '${range}'`;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
