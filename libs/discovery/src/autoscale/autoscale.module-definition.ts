import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AutoscaleOptions } from './autoscale.options';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: AUTOSCALE_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AutoscaleOptions>({ moduleName: 'Autoscale' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false, isHttpEnabled: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
