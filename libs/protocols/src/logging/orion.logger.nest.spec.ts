import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { OrionLogger } from './orion.logger';

@Controller('orders')
class OrdersController {
  @Get()
  list(): string[] {
    return [];
  }
}

@Module({ controllers: [OrdersController] })
class AppModule {}

const capture = () => {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk) };
};

describe('OrionLogger', () => {
  describe('as the Nest application logger', () => {
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('should receive Nest bootstrap lines as JSON through createNestApplication({ logger })', async () => {
      const stream = capture();
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();

      app = moduleRef.createNestApplication({ logger: new OrionLogger({ format: 'json', stream }) });
      await app.init();

      const entries = stream.chunks.map((chunk) => JSON.parse(chunk));
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'info', context: 'RoutesResolver', message: 'OrdersController {/orders}:' }),
          expect.objectContaining({ level: 'info', context: 'NestApplication', message: 'Nest application successfully started' }),
        ]),
      );
    });

    it('should receive Nest bootstrap lines as a tree through app.useLogger()', async () => {
      const stream = capture();
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();

      app = moduleRef.createNestApplication();
      app.useLogger(new OrionLogger({ format: 'tree', stream, colors: false }));
      await app.init();

      expect(stream.chunks).toContainEqual(
        expect.stringMatching(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] INFO \| NestApplication \| Nest application successfully started\n$/),
      );
    });

    it('should receive the module loading lines through NestFactory.create(AppModule, { logger })', async () => {
      const stream = capture();

      app = await NestFactory.create(AppModule, { logger: new OrionLogger({ format: 'json', stream }), abortOnError: false });
      await app.init();

      expect(stream.chunks.map((chunk) => JSON.parse(chunk))).toContainEqual(
        expect.objectContaining({ context: 'InstanceLoader', message: 'AppModule dependencies initialized' }),
      );
    });
  });
});
