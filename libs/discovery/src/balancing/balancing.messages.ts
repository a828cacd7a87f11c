export const unknownStrategyMessage = (name: string, validNames: readonly string[]): string =>
  `Unknown load-balancing strategy "${name}". Valid strategies: ${validNames.join(', ')}; ` +
  'or pass an object that implements LoadBalancingStrategy.';

export const invalidStrategyMessage = (): string =>
  'A load-balancing strategy must be a strategy name or an object with a name and a pick() method.';
