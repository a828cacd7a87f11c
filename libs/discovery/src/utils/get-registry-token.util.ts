/**
 * Injection token of a registry. One registry per app today; the name leaves room for more.
 *
 * @publicApi
 */
export function getRegistryToken(name = 'default'): string {
  return `DISCOVERY:REGISTRY(${name})`;
}
