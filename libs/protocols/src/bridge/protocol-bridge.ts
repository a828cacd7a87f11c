import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { defaultIfEmpty, defer, last, map, type Observable } from 'rxjs';
import { PROTOCOLS_MODULE_OPTIONS } from '../protocols.module-definition';
import type { ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';
import { ProtocolError } from '../errors/protocol.error';
import { BRIDGE_FORWARDER, BRIDGE_RULES } from './bridge.constants';
import { missingTargetMessage, unconfiguredProtocolMessage } from './bridge.messages';
import type { BridgeCallOptions, BridgeForwarders } from './bridge.options';
import { bridgeHeaders } from './bridge-headers.util';
import type { CompiledBridgeRule, RawBridgeSource } from './compiled-bridge-rule.interface';
import { BridgeTargetMissingError } from './errors/bridge-target-missing.error';
import { TargetForwarders } from './target-forwarders';

/**
 * Forwards what a bridge rule receives to its target service and hands the reply back.
 * The generated bridge controller calls it from inside the endpoint's middleware chain,
 * so the caller's correlation id and deadline are known, and errors (the target's
 * `ProtocolError`s included) reach the caller through the normal per-protocol error path.
 *
 * @publicApi
 */
@Injectable()
export class ProtocolBridge implements OnModuleInit {
  private readonly logger = new Logger('ProtocolBridge');

  constructor(
    @Inject(BRIDGE_FORWARDER) private readonly forwarders: BridgeForwarders,
    @Inject(BRIDGE_RULES) private readonly rules: readonly CompiledBridgeRule[],
    @Optional() @Inject(PROTOCOLS_MODULE_OPTIONS) private readonly protocolsOptions?: ProtocolsModuleOptions,
  ) {}

  /** Fails startup when a rule's target has no forwarder; warns about rules on protocols that are not configured. */
  onModuleInit(): void {
    const known = knownTargets(this.forwarders);
    for (const rule of this.rules) {
      if (!this.forwarders.get(rule.service)) throw new BridgeTargetMissingError(rule.service, missingTargetMessage(rule.service, known));
      if (this.protocolsOptions && this.protocolsOptions[rule.protocol] === undefined) {
        this.logger.warn(unconfiguredProtocolMessage(rule.protocol, rule.pattern));
      }
    }
  }

  /** The rules served, in order: `{ protocol, pattern, service }` (for dashboards and logs). */
  describe(): Array<{ protocol: string; pattern: string; service: string; isEvent: boolean }> {
    return this.rules.map(({ protocol, pattern, service, isEvent }) => ({ protocol, pattern, service, isEvent }));
  }

  /** @internal forwards one message; cold. */
  forward(rule: CompiledBridgeRule, message: ProtocolMessage, raw: RawBridgeSource): Observable<unknown> {
    return defer(() => {
      const forwarder = this.forwarders.get(rule.service);
      if (!forwarder) throw ProtocolError.unavailable(`no forwarder for '${rule.service}'`);
      const source = { ...rule.sourceOf(raw), message };
      const pattern = rule.targetPattern(source);
      const options: BridgeCallOptions = { timeoutMs: this.budget(rule, message), headers: bridgeHeaders(message, rule, source) };
      if (rule.isEvent) {
        const sent = forwarder.emit ? forwarder.emit(pattern, message.payload, options) : forwarder.send(pattern, message.payload, options);
        return sent.pipe(
          defaultIfEmpty(undefined),
          last(),
          map(() => undefined),
        );
      }
      return forwarder.send(pattern, message.payload, options).pipe(defaultIfEmpty(null), last());
    });
  }

  /** The rule's timeout, cut short by the caller's deadline. */
  private budget(rule: CompiledBridgeRule, message: ProtocolMessage): number {
    if (message.deadline === undefined) return rule.timeoutMs;
    const remaining = Math.floor(message.deadline - Date.now());
    if (remaining <= 0) throw ProtocolError.deadlineExceeded(`deadline passed before '${rule.pattern}' was forwarded`);
    return Math.min(rule.timeoutMs, remaining);
  }
}

/** Target names a forwarders object can list (for error messages): `targets` keys, or a Map's keys. */
function knownTargets(forwarders: BridgeForwarders): string[] {
  if (forwarders instanceof TargetForwarders) return forwarders.services;
  return forwarders instanceof Map ? [...(forwarders as Map<string, unknown>).keys()].map(String) : [];
}
