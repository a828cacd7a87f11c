import { ALL_PROTOCOLS } from '../protocols.constants';
import type { HttpMethod } from '../interfaces/endpoint-options.interface';
import type { Protocol } from '../interfaces/protocol.interface';
import { assertValidPattern, defaultHttpPath, toPascalCase } from '../utils/endpoint-defaults.util';
import { BRIDGE_DEFAULT_GRPC_SERVICE } from './bridge.constants';
import { badHttpRouteMessage, badMqttFilterMessage, unknownProtocolMessage, wildcardOutsideMqttMessage } from './bridge.messages';
import type { BridgeRule } from './bridge.options';
import { parseTopicFilter } from './topic-filter.util';

const HTTP_ROUTE = /^(?:(GET|POST|PUT|PATCH|DELETE)\s+)?(\/[A-Za-z0-9_.:~\-/]*)$/;
const PATH_PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** Where a rule listens, validated. */
export interface BridgeRoute {
  protocol: Protocol;
  pattern: string;
  http: { method: HttpMethod; path: string };
  grpc: { service: string; method: string };
  /** MQTT: the levels of the topic filter. */
  topicLevels?: string[];
  /** Number of positional captures the source offers. */
  captureCount: number;
  /** HTTP: names of the path parameters, in order. */
  paramNames: string[];
}

/** Validates `rule.from` and derives the route it is served on; throws a reason string's error via `fail`. */
export function parseBridgeRoute(from: BridgeRule['from'], fail: (reason: string) => never): BridgeRoute {
  const protocol = from?.protocol;
  if (!(ALL_PROTOCOLS as readonly unknown[]).includes(protocol)) fail(unknownProtocolMessage(protocol, ALL_PROTOCOLS));
  const pattern = typeof from.pattern === 'string' ? from.pattern.trim() : '';
  const grpc = {
    service: from.grpc?.service ?? BRIDGE_DEFAULT_GRPC_SERVICE,
    method: from.grpc?.method ?? toPascalCase(pattern),
  };
  if (protocol === 'mqtt') {
    const topicLevels = parseTopicFilter(pattern);
    if (!topicLevels) fail(badMqttFilterMessage(pattern));
    const captureCount = topicLevels.filter((level) => level === '+' || level === '#').length;
    return { protocol, pattern, http: { method: 'POST', path: '/' }, grpc, topicLevels, captureCount, paramNames: [] };
  }
  if (/[+#]/.test(pattern)) fail(wildcardOutsideMqttMessage(pattern));
  if (protocol === 'http') {
    const http = parseHttpRoute(pattern, fail);
    const paramNames = [...http.path.matchAll(PATH_PARAM)].map((match) => match[1]);
    return { protocol, pattern, http, grpc, captureCount: paramNames.length, paramNames };
  }
  try {
    assertValidPattern(pattern, 'bridge rule');
  } catch (error) {
    fail((error as Error).message);
  }
  return { protocol, pattern, http: { method: 'POST', path: defaultHttpPath(pattern) }, grpc, captureCount: 0, paramNames: [] };
}

function parseHttpRoute(pattern: string, fail: (reason: string) => never): { method: HttpMethod; path: string } {
  const route = HTTP_ROUTE.exec(pattern);
  if (route) return { method: (route[1] as HttpMethod | undefined) ?? 'POST', path: route[2] };
  try {
    assertValidPattern(pattern, 'bridge rule');
  } catch {
    fail(badHttpRouteMessage(pattern));
  }
  return { method: 'POST', path: defaultHttpPath(pattern) };
}
