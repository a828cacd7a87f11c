import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableModuleClass, PROTOCOLS_MODULE_OPTIONS } from './protocols.module-definition';
import { MiddlewareResolver } from './middleware/middleware-resolver';
import { MiddlewareChainInterceptor } from './middleware/middleware-chain.interceptor';
import { ProtocolTimings } from './middleware/protocol-timings';
import { ProtocolsExplorer } from './protocols.explorer';
import { ProtocolsRuntime } from './protocols.runtime';
import { ProtocolMetrics } from './metrics/protocol-metrics';
import { MetricsController } from './metrics/metrics.controller';

/**
 * Serves `@Endpoint` handlers over the configured protocols. Import once, in the root
 * module; it is global by default (`isGlobal: false` to opt out). Start listeners with
 * `startProtocols(app)`.
 *
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    MiddlewareResolver,
    MiddlewareChainInterceptor,
    ProtocolTimings,
    ProtocolsExplorer,
    ProtocolsRuntime,
    ProtocolMetrics,
    MetricsController,
  ],
  exports: [
    PROTOCOLS_MODULE_OPTIONS,
    MiddlewareResolver,
    MiddlewareChainInterceptor,
    ProtocolTimings,
    ProtocolsExplorer,
    ProtocolsRuntime,
    ProtocolMetrics,
  ],
})
export class ProtocolsModule extends ConfigurableModuleClass {}
