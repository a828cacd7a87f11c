/** Text of the bridge's startup errors and log lines, one function per case. */

export const invalidRuleMessage = (index: number, reason: string): string => `ProtocolBridgeModule: rule #${index}: ${reason}`;

export const unknownProtocolMessage = (protocol: unknown, valid: readonly string[]): string =>
  `unknown protocol ${JSON.stringify(protocol)}; valid: ${valid.join(', ')}`;

export const badMqttFilterMessage = (pattern: string): string =>
  `invalid MQTT topic filter ${JSON.stringify(pattern)}: use letters, digits, _ . : - /, '+' as a whole level and '#' as the whole last level`;

export const wildcardOutsideMqttMessage = (pattern: string): string =>
  `wildcards ('+', '#') are MQTT topic filters; ${JSON.stringify(pattern)} is not an MQTT rule`;

export const badHttpRouteMessage = (pattern: string): string =>
  `invalid HTTP route ${JSON.stringify(pattern)}: use '<GET|POST|PUT|PATCH|DELETE> /path', '/path' or an endpoint pattern`;

export const badPlaceholderMessage = (placeholder: string, available: number): string =>
  `to.pattern uses {${placeholder}} but the source offers ${available} capture(s)${available > 0 ? '' : ' and no named parameter of that name'}`;

export const missingServiceMessage = (): string => 'to.service must be a non-empty string';

export const badTimeoutMessage = (value: unknown): string =>
  `to.timeoutMs must be a positive number of ms up to 2147483647, not ${JSON.stringify(value)}`;

export const badMiddlewareMessage = (): string => 'middleware must be an array of ProtocolMiddleware classes or instances';

export const duplicateRuleMessage = (protocol: string, pattern: string): string => `two rules serve ${protocol} ${JSON.stringify(pattern)}`;

export const missingTargetMessage = (service: string, known: readonly string[]): string =>
  `ProtocolBridgeModule: no forwarder for target service '${service}'` +
  (known.length > 0 ? ` (targets: ${known.join(', ')})` : ': give it in `targets` (e.g. getBalancedClientToken(service))');

export const unresolvedTargetMessage = (service: string, token: string): string =>
  `ProtocolBridgeModule: target '${service}': nothing is provided for ${token} in this app (is BalancedClientsModule.register([...]) imported?)`;

export const unconfiguredProtocolMessage = (protocol: string, pattern: string): string =>
  `bridge rule ${protocol} ${JSON.stringify(pattern)}: '${protocol}' is not configured in ProtocolsModule, so the rule receives nothing`;
