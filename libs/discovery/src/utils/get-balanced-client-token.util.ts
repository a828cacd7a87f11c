/**
 * Injection token of the balanced client of a service (or of its `name`).
 *
 * @publicApi
 */
export function getBalancedClientToken(service: string): string {
  return `DISCOVERY:CLIENT(${service})`;
}
