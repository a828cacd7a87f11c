import { Module, type DynamicModule } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BRIDGE_FORWARDER, BRIDGE_RULES } from './bridge.constants';
import type { BridgeForwarders, ProtocolBridgeOptions } from './bridge.options';
import { createBridgeController } from './bridge-controller.factory';
import { compileBridgeRules } from './compile-bridge-rule.util';
import { ProtocolBridge } from './protocol-bridge';
import { TargetForwarders } from './target-forwarders';

/**
 * A declarative bridge: rules that take what arrives on one protocol and pattern and
 * forward it to a service over another transport (through a balanced client), carrying
 * headers and the remaining deadline and mapping errors back to the caller's protocol.
 *
 * ```ts
 * ProtocolBridgeModule.forRoot({
 *   rules: [
 *     { from: { protocol: 'mqtt', pattern: 'sensors/+/reading' }, to: { service: 'telemetry', pattern: 'telemetry.ingest' } },
 *     { from: { protocol: 'http', pattern: 'POST /orders' }, to: { service: 'orders', pattern: 'orders.create' } },
 *   ],
 *   targets: { telemetry: getBalancedClientToken('telemetry'), orders: getBalancedClientToken('orders') },
 * })
 * ```
 *
 * Needs `ProtocolsModule` (global by default) with the source protocols configured; the
 * rules are served by `startProtocols(app)` like any `@Endpoint`. Rules are static (they
 * become controller methods when the module is defined); targets are resolved at startup.
 *
 * @publicApi
 */
@Module({})
export class ProtocolBridgeModule {
  static forRoot(options: ProtocolBridgeOptions): DynamicModule {
    const rules = compileBridgeRules(options.rules);
    return {
      module: ProtocolBridgeModule,
      controllers: [createBridgeController(rules)],
      providers: [
        { provide: BRIDGE_RULES, useValue: rules },
        {
          provide: BRIDGE_FORWARDER,
          inject: [ModuleRef],
          useFactory: (moduleRef: ModuleRef): BridgeForwarders =>
            options.forwarders ?? new TargetForwarders(options.targets ?? {}, moduleRef),
        },
        ProtocolBridge,
      ],
      exports: [BRIDGE_FORWARDER, ProtocolBridge],
    };
  }
}
