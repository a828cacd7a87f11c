import { Module, type DynamicModule } from '@nestjs/common';
import type { ProtocolsModuleOptions } from '../interfaces/protocols-options.interface';
import { ProtocolsModule } from '../protocols.module';

/**
 * ProtocolsModule for tests: no listener unless the options name one, no request log, no
 * `/metrics`. Import it beside the controller under test when the test runs requests
 * through Nest (`app.init()`, HTTP with `app.listen(0)`, `startProtocols(app)`), so the
 * middleware chain of `@Endpoint` handlers runs as in the app:
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [ProtocolsTestingModule.forRoot()],
 *   controllers: [OrdersController],
 * }).compile();
 * ```
 *
 * A test that only calls the controller's methods needs no module at all.
 *
 * @publicApi
 */
@Module({})
export class ProtocolsTestingModule {
  static forRoot(options: ProtocolsModuleOptions = {}): DynamicModule {
    return {
      module: ProtocolsTestingModule,
      imports: [ProtocolsModule.forRoot({ logRequests: false, metrics: false, ...options })],
      exports: [ProtocolsModule],
    };
  }
}
