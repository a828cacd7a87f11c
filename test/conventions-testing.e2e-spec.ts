import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of, type Observable } from 'rxjs';
import {
  Endpoint,
  Msg,
  MsgContext,
  ProtocolError,
  UseMiddleware,
  type MiddlewareNext,
  type ProtocolMessage,
  type ProtocolMiddleware,
} from '@orion/protocols';
import { ProtocolsTestingModule, createTestProtocolMessage } from '@orion/protocols/testing';

@Injectable()
class Greetings {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

/** Refuses a message without an `x-user` header; marks the ones it lets through. */
@Injectable()
class RequireUserMiddleware implements ProtocolMiddleware {
  use(message: ProtocolMessage, next: MiddlewareNext): Observable<unknown> {
    if (!message.headers['x-user']) throw new ProtocolError('UNAUTHENTICATED', 'x-user is required');
    message.headers['x-checked'] = 'yes';
    return next();
  }
}

@Controller()
@UseMiddleware(RequireUserMiddleware)
class GreeterController {
  constructor(private readonly greetings: Greetings) {}

  @Endpoint('greet')
  greet(@Msg() payload: { name: string }, @MsgContext() message?: ProtocolMessage) {
    return { text: this.greetings.greet(payload.name), checked: message?.headers['x-checked'] ?? 'no' };
  }
}

describe('unit-testing a controller with @Endpoint handlers', () => {
  it('should compile with only the controller and its providers, and call the method directly', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [GreeterController], providers: [Greetings] }).compile();
    try {
      const controller = moduleRef.get(GreeterController);
      expect(controller.greet({ name: 'ada' })).toEqual({ text: 'hello ada', checked: 'no' });
    } finally {
      await moduleRef.close();
    }
  });

  it('should say what to import when the module is initialised without ProtocolsModule', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [GreeterController], providers: [Greetings] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(/import ProtocolsModule\.forRoot.*ProtocolsTestingModule from '@orion\/protocols\/testing'/s);
    await app.close();
  });

  describe('with ProtocolsTestingModule: requests through Nest run the middleware chain', () => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [ProtocolsTestingModule.forRoot()],
        controllers: [GreeterController],
        providers: [Greetings],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
    });

    afterAll(async () => {
      await app?.close();
    });

    async function post(headers: Record<string, string>) {
      const res = await fetch(`${url}/greet`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'ada' }),
      });
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown>,
        correlationId: res.headers.get('x-correlation-id'),
      };
    }

    it('should answer through the chain (class middleware ran, correlation id set)', async () => {
      const reply = await post({ 'x-user': 'u1' });
      expect(reply).toMatchObject({ status: 200, body: { text: 'hello ada', checked: 'yes' } });
      expect(reply.correlationId).toEqual(expect.any(String));
    });

    it('should map a middleware refusal to its status', async () => {
      expect(await post({})).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', message: 'x-user is required' } });
    });
  });

  describe('createTestProtocolMessage: unit-testing a middleware', () => {
    it('should build a message with defaults and overrides', async () => {
      const middleware = new RequireUserMiddleware();
      const message = createTestProtocolMessage({ headers: { 'x-user': 'u1' }, payload: { name: 'ada' } });
      expect(message).toMatchObject({ protocol: 'http', pattern: 'test', isEvent: false, payload: { name: 'ada' } });
      expect(await lastValueFrom(middleware.use(message, () => of('handled')) as Observable<unknown>)).toBe('handled');
      expect(message.headers['x-checked']).toBe('yes');
      expect(() => middleware.use(createTestProtocolMessage(), () => of('handled'))).toThrow(ProtocolError);
    });
  });
});
