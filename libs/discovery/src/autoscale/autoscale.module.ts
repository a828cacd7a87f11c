import { Module, type DynamicModule } from '@nestjs/common';
import { AutoscaleAdvisor } from './autoscale-advisor';
import { AutoscaleController } from './autoscale.controller';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, OPTIONS_TYPE } from './autoscale.module-definition';

/**
 * Provides the `AutoscaleAdvisor` (and `GET /autoscale` unless `isHttpEnabled: false`).
 * Reads the registry of `ServiceDiscoveryModule` unless `registry` is given.
 *
 * ```ts
 * AutoscaleModule.forRoot({ target: 0.6, stabilizationWindowMs: 60_000, minInstances: 1, maxInstances: 10 })
 * ```
 *
 * @publicApi
 */
@Module({})
export class AutoscaleModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return AutoscaleModule.withProviders(super.forRoot(options), options.isHttpEnabled);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return AutoscaleModule.withProviders(super.forRootAsync(options), options.isHttpEnabled);
  }

  private static withProviders(definition: DynamicModule, isHttpEnabled = true): DynamicModule {
    return {
      ...definition,
      controllers: isHttpEnabled ? [AutoscaleController] : [],
      providers: [...(definition.providers ?? []), AutoscaleAdvisor],
      exports: [...(definition.exports ?? []), AutoscaleAdvisor],
    };
  }
}
