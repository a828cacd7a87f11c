import type { InjectionToken } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { unresolvedTargetMessage } from './bridge.messages';
import type { BridgeForwarder, BridgeForwarders, BridgeTarget } from './bridge.options';
import { BridgeTargetMissingError } from './errors/bridge-target-missing.error';

function isForwarder(target: BridgeTarget): target is BridgeForwarder {
  return typeof target === 'object' && target !== null && typeof (target as BridgeForwarder).send === 'function';
}

function describeToken(token: InjectionToken): string {
  return typeof token === 'function' ? token.name : String(token);
}

/**
 * The forwarders of `ProtocolBridgeModule.forRoot({ targets })`: tokens are looked up in
 * the whole app (`strict: false`) on first use, so the balanced clients may be registered
 * in any module.
 * @internal
 */
export class TargetForwarders implements BridgeForwarders {
  private readonly resolved = new Map<string, BridgeForwarder>();

  constructor(
    private readonly targets: Readonly<Record<string, BridgeTarget>>,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Target names given. */
  get services(): string[] {
    return Object.keys(this.targets);
  }

  get(service: string): BridgeForwarder | undefined {
    const cached = this.resolved.get(service);
    if (cached) return cached;
    if (!Object.hasOwn(this.targets, service)) return undefined;
    const target = this.targets[service];
    const forwarder = isForwarder(target) ? target : this.lookup(service, target);
    this.resolved.set(service, forwarder);
    return forwarder;
  }

  private lookup(service: string, token: InjectionToken): BridgeForwarder {
    let found: unknown;
    try {
      found = this.moduleRef.get(token, { strict: false });
    } catch {
      found = undefined;
    }
    if (!found || typeof (found as BridgeForwarder).send !== 'function') {
      throw new BridgeTargetMissingError(service, unresolvedTargetMessage(service, describeToken(token)));
    }
    return found as BridgeForwarder;
  }
}
