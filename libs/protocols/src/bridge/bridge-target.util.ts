import { badPlaceholderMessage } from './bridge.messages';
import type { BridgeRule, BridgeSource } from './bridge.options';
import type { BridgeRoute } from './bridge-route.util';

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/**
 * The function giving the target pattern of one message: the rule's function, its
 * template with `{1}`/`{name}` filled in (checked here against what the source offers),
 * or the concrete incoming key.
 */
export function compileTargetPattern(
  to: BridgeRule['to'],
  route: BridgeRoute,
  fail: (reason: string) => never,
): (source: BridgeSource) => string {
  const template = to.pattern;
  if (typeof template === 'function') return template;
  if (template === undefined) return (source) => source.key;
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    const position = Number(name);
    const isPositional = Number.isInteger(position) && position >= 1 && position <= route.captureCount;
    if (!isPositional && !route.paramNames.includes(name)) fail(badPlaceholderMessage(name, route.captureCount));
  }
  return (source) =>
    template.replace(PLACEHOLDER, (_whole, name: string) => {
      const position = Number(name);
      return Number.isInteger(position) && position >= 1 ? (source.captures[position - 1] ?? '') : (source.params[name] ?? '');
    });
}
