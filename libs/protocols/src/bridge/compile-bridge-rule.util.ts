import { BRIDGE_DEFAULT_TIMEOUT_MS } from './bridge.constants';
import { badMiddlewareMessage, badTimeoutMessage, duplicateRuleMessage, missingServiceMessage } from './bridge.messages';
import type { BridgeRule } from './bridge.options';
import { parseBridgeRoute, type BridgeRoute } from './bridge-route.util';
import { compileTargetPattern } from './bridge-target.util';
import type { CompiledBridgeRule, RawBridgeSource } from './compiled-bridge-rule.interface';
import { InvalidBridgeRuleError } from './errors/invalid-bridge-rule.error';
import { matchTopicTail } from './topic-filter.util';
import { MAX_TIMER_MS } from '../utils/deadline.util';

/** Validates one rule and prepares what serving it needs; throws `InvalidBridgeRuleError`. */
export function compileBridgeRule(rule: BridgeRule, index: number): CompiledBridgeRule {
  const fail = (reason: string): never => {
    throw new InvalidBridgeRuleError(index, reason);
  };
  const route = parseBridgeRoute(rule?.from, fail);
  const to = rule.to ?? {};
  if (typeof to.service !== 'string' || to.service.trim() === '') fail(missingServiceMessage());
  const timeoutMs = to.timeoutMs ?? BRIDGE_DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !(timeoutMs <= MAX_TIMER_MS)) fail(badTimeoutMessage(to.timeoutMs));
  return {
    index,
    methodName: `bridge${index}`,
    protocol: route.protocol,
    pattern: route.pattern,
    isEvent: rule.isEvent === true,
    http: route.http,
    grpc: route.grpc,
    service: to.service,
    timeoutMs,
    headers: to.headers ? new Set(to.headers.map((name) => name.toLowerCase())) : undefined,
    middleware: compileMiddleware(rule.middleware, fail),
    sourceOf: sourceReader(route),
    targetPattern: compileTargetPattern(to, route, fail),
  };
}

/** Compiles every rule and refuses two rules on the same protocol and pattern. */
export function compileBridgeRules(rules: readonly BridgeRule[]): CompiledBridgeRule[] {
  const compiled = (rules ?? []).map(compileBridgeRule);
  const seen = new Set<string>();
  for (const rule of compiled) {
    const key = rule.protocol === 'http' ? `http ${rule.http.method} ${rule.http.path}` : `${rule.protocol} ${rule.pattern}`;
    if (seen.has(key)) throw new InvalidBridgeRuleError(rule.index, duplicateRuleMessage(rule.protocol, rule.pattern));
    seen.add(key);
  }
  return compiled;
}

function sourceReader(route: BridgeRoute): CompiledBridgeRule['sourceOf'] {
  const { protocol, pattern } = route;
  if (route.topicLevels) {
    const levels = route.topicLevels;
    return (raw: RawBridgeSource) => {
      const matched = raw.topic === undefined ? undefined : matchTopicTail(levels, raw.topic);
      return { protocol, rulePattern: pattern, key: matched?.topic ?? raw.topic ?? pattern, captures: matched?.captures ?? [], params: {} };
    };
  }
  if (protocol === 'http') {
    return (raw: RawBridgeSource) => {
      const params: Record<string, string> = { ...raw.params };
      const path = raw.path ?? route.http.path;
      return {
        protocol,
        rulePattern: pattern,
        key: path.replace(/^\/+/, ''),
        captures: route.paramNames.map((n) => params[n] ?? ''),
        params,
      };
    };
  }
  return () => ({ protocol, rulePattern: pattern, key: pattern, captures: [], params: {} });
}

/** The rule's middleware: classes or instances with a `use` method. */
function compileMiddleware(refs: BridgeRule['middleware'], fail: (reason: string) => never): CompiledBridgeRule['middleware'] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs)) return fail(badMiddlewareMessage());
  for (const ref of refs as unknown[]) {
    const isUsable =
      typeof ref === 'function' || (typeof ref === 'object' && ref !== null && typeof (ref as { use?: unknown }).use === 'function');
    if (!isUsable) fail(badMiddlewareMessage());
  }
  return [...refs];
}
