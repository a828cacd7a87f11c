import { Module, type DynamicModule } from '@nestjs/common';
import { ProtocolsModule, type ProtocolsModuleOptions } from '@orion/protocols';
import { GreeterController } from './greeter.controller';

@Module({})
export class AppModule {
  static with(options: ProtocolsModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [ProtocolsModule.forRoot(options)],
      controllers: [GreeterController],
    };
  }
}
