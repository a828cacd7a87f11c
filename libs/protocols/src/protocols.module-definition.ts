import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ProtocolsModuleOptions } from './interfaces/protocols-options.interface';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: PROTOCOLS_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ProtocolsModuleOptions>({ moduleName: 'Protocols' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
