import type { HttpMethod } from '../interfaces/endpoint-options.interface';
import type { Protocol } from '../interfaces/protocol.interface';
import type { MiddlewareRef } from '../interfaces/protocols-options.interface';
import type { BridgeSource } from './bridge.options';

/** What the bridge handler reads off the raw request besides the `ProtocolMessage`. */
export interface RawBridgeSource {
  /** MQTT: the topic the message arrived on. */
  topic?: string;
  /** HTTP: the request path. */
  path?: string;
  /** HTTP: the path parameters. */
  params?: Record<string, string>;
}

/** @internal a validated rule, ready to be served. */
export interface CompiledBridgeRule {
  index: number;
  /** Method name on the generated controller. */
  methodName: string;
  protocol: Protocol;
  /** The endpoint pattern (metrics and log label): the rule's `from.pattern`, trimmed. */
  pattern: string;
  isEvent: boolean;
  http: { method: HttpMethod; path: string };
  grpc: { service: string; method: string };
  service: string;
  timeoutMs: number;
  /** Middleware of the rule (`@UseMiddleware` of its generated handler). */
  middleware: readonly MiddlewareRef[];
  /** Lower-case names of headers to carry; undefined: all but the dropped ones. */
  headers?: ReadonlySet<string>;
  /** The source of one message: concrete key and captures. */
  sourceOf(raw: RawBridgeSource): Omit<BridgeSource, 'message'>;
  /** The pattern to call on the target. */
  targetPattern(source: BridgeSource): string;
}
