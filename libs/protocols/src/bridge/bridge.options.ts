import type { InjectionToken } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { Protocol } from '../interfaces/protocol.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import type { MiddlewareRef } from '../interfaces/protocols-options.interface';

/**
 * Per-call options the bridge hands to a forwarder: the remaining budget of the incoming
 * message (cut to the rule's `timeoutMs`) and the headers to carry.
 *
 * @publicApi
 */
export interface BridgeCallOptions {
  timeoutMs: number;
  headers: Record<string, string>;
}

/**
 * Something that reaches a target service: `BalancedClientProxy` of `@orion/discovery`
 * fits as is, and so does any Orion transport client (`TcpClient`, `GrpcClient`, ...).
 * `send` must fail with a `ProtocolError` (any other error reaches the caller as
 * INTERNAL). `emit` is used for event rules when present, else `send`.
 *
 * @publicApi
 */
export interface BridgeForwarder {
  send(pattern: string, data: unknown, options: BridgeCallOptions): Observable<unknown>;
  emit?(pattern: string, data: unknown, options: BridgeCallOptions): Observable<unknown>;
}

/**
 * What `BRIDGE_FORWARDER` resolves to: the forwarder of a target service by name
 * (a `Map<string, BridgeForwarder>` fits).
 *
 * @publicApi
 */
export interface BridgeForwarders {
  get(service: string): BridgeForwarder | undefined;
}

/**
 * Where a bridged message came from, as handed to a `to.pattern` function.
 *
 * @publicApi
 */
export interface BridgeSource {
  protocol: Protocol;
  /** The rule's `from.pattern`. */
  rulePattern: string;
  /** The concrete key: the MQTT topic (without the instance prefix), the HTTP path, the pattern. */
  key: string;
  /** MQTT: the `+` segments and then the `#` remainder; HTTP: the path parameters, in order. */
  captures: readonly string[];
  /** HTTP: path parameters by name. */
  params: Readonly<Record<string, string>>;
  message: ProtocolMessage;
}

/**
 * One bridge rule: messages arriving on `from.protocol` with `from.pattern` are forwarded
 * to `to.service` through its forwarder (a balanced client), with the caller's headers
 * and remaining deadline; the target's reply or error goes back to the caller in its own
 * protocol's form.
 *
 * ```ts
 * { from: { protocol: 'mqtt', pattern: 'sensors/+/reading' }, to: { service: 'telemetry', pattern: 'telemetry.ingest' } }
 * { from: { protocol: 'http', pattern: 'POST /orders' }, to: { service: 'orders', pattern: 'orders.create', timeoutMs: 2000 } }
 * ```
 *
 * @publicApi
 */
export interface BridgeRule {
  from: {
    protocol: Protocol;
    /**
     * The endpoint pattern to serve. MQTT: a topic filter, `+` and `#` wildcards allowed.
     * HTTP: `'<METHOD> /path'` (`'POST /orders'`, `'GET /orders/:id'`), a path
     * (`'/orders'`, POST) or a pattern (`'orders.create'` → `POST /orders/create`).
     * Other protocols: a plain pattern (letters, digits, `_ . : - /`).
     */
    pattern: string;
    /** gRPC only: the method serving the rule. Default service `Bridge`, method = pattern in PascalCase. */
    grpc?: { service?: string; method?: string };
  };
  to: {
    /** Name of the target, as known to the forwarders (`targets` of the module). */
    service: string;
    /**
     * Pattern to call on the target. Default: the concrete incoming key (MQTT topic; HTTP
     * path without its leading `/`; else the same pattern). A string may use `{1}`, `{2}`,
     * ... for the MQTT wildcard segments (`#` last) or the HTTP path parameters in order,
     * and `{name}` for HTTP path parameters by name. A function gets the whole source.
     */
    pattern?: string | ((source: BridgeSource) => string);
    /** Longest time to wait for the target (ms); cut short by the caller's deadline. Default 5000. */
    timeoutMs?: number;
    /**
     * Incoming headers to carry, by lower-case name. Default: all but hop-by-hop and
     * transport headers (see docs/bridge.md). The correlation id always travels.
     */
    headers?: readonly string[];
  };
  /** Fire-and-forget: served as an event endpoint, forwarded with `emit` (HTTP answers 202). */
  isEvent?: boolean;
  /**
   * Middleware of this rule, as `@UseMiddleware(...)` gives an endpoint: run after the
   * global middleware, before forwarding. A rate limit written once for HTTP routes (e.g. a
   * token bucket answering RESOURCE_EXHAUSTED) applies to an MQTT rule the same way; a
   * class that is a provider is shared with the routes that use it.
   */
  middleware?: readonly MiddlewareRef[];
}

/**
 * A target of `ProtocolBridgeModule.forRoot({ targets })`: the injection token of a
 * forwarder (e.g. `getBalancedClientToken('orders')`), or the forwarder itself.
 *
 * @publicApi
 */
export type BridgeTarget = InjectionToken | BridgeForwarder;

/**
 * Options of `ProtocolBridgeModule.forRoot`.
 *
 * @publicApi
 */
export interface ProtocolBridgeOptions {
  rules: readonly BridgeRule[];
  /**
   * Forwarder of each target service by name, resolved from the whole app when it starts
   * (so the balanced clients of `BalancedClientsModule` need no import here). Without
   * `targets`, provide `BRIDGE_FORWARDER` yourself through `forwarders`.
   */
  targets?: Readonly<Record<string, BridgeTarget>>;
  /** A ready `BridgeForwarders` (e.g. a `Map`), used instead of `targets`. */
  forwarders?: BridgeForwarders;
}
