import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Endpoint, Msg, ProtocolsModule, startProtocols } from '@orion/protocols';
import { lastValueFrom } from 'rxjs';
import type { CallOutcome, LoadBalancingStrategy } from '../balancing/load-balancing-strategy.interface';
import { InjectBalancedClient } from '../decorators/inject-balanced-client.decorator';
import { ServiceDiscoveryModule } from '../discovery.module';
import { createRegistry } from '../registry/create-registry.util';
import type { ServiceInstance } from '../registry/service-instance.interface';
import type { BalancedClientProxy } from './balanced-client.proxy';
import { BalancedClientsModule } from './balanced-clients.module';

const REGISTRY = 'memory://latency-sample-spec';

/** Frames of a callback run from a timer or setImmediate. */
const QUEUE_HOPS = /processTimers|listOnTimeout|processImmediate/;

/** The "at ..." lines of a stack, innermost first. */
function framesOf(stack: string): string[] {
  return stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
}

@Controller()
class EchoController {
  @Endpoint('echo', { protocols: ['tcp', 'grpc'] })
  echo(@Msg() payload: unknown) {
    return payload;
  }
}

/** Takes the first candidate and keeps, for every result, the stack it was reported from. */
class RecordingStrategy implements LoadBalancingStrategy {
  readonly name = 'recording';
  readonly results: Array<{ outcome: CallOutcome; stack: string }> = [];
  pick(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    return instances[0];
  }
  onResult(_instance: ServiceInstance, outcome: CallOutcome): void {
    this.results.push({ outcome, stack: new Error('sample').stack ?? '' });
  }
}

function callerFor(transport: 'tcp' | 'grpc', strategy: LoadBalancingStrategy) {
  @Injectable()
  class Caller {
    constructor(@InjectBalancedClient('latency-echo') readonly client: BalancedClientProxy) {}
  }
  return {
    Caller,
    imports: [
      ServiceDiscoveryModule.forRoot({ service: { name: `caller-${transport}` }, registry: REGISTRY, shouldRegister: false }),
      BalancedClientsModule.register([{ service: 'latency-echo', transport, strategy, timeoutMs: 10_000 }]),
    ],
  };
}

// p2c-ewma's latency sample is `performance.now()` minus the attempt's start, read when the
// attempt settles (BalancedCall.attemptWith). These tests pin WHERE that happens: inside the
// transport's parsing of the reply, with no timer, setImmediate or other queue hop between the
// reply frame and the sample, so time the caller's event loop spends elsewhere afterwards is
// not charged to the instance.
describe('latency sample of a balanced call', () => {
  let instance: INestApplication;
  let caller: INestApplication | undefined;
  let stackTraceLimit: number;

  beforeAll(async () => {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ProtocolsModule.forRoot({ tcp: {}, grpc: {}, logRequests: false }),
        ServiceDiscoveryModule.forRoot({ service: { name: 'latency-echo' }, registry: REGISTRY, ttlMs: 5000, drain: { graceMs: 0 } }),
      ],
      controllers: [EchoController],
    }).compile();
    instance = moduleRef.createNestApplication({ logger: false });
    await startProtocols(instance);
    const registry = createRegistry(REGISTRY);
    const [entry] = await registry.list('latency-echo');
    await registry.close();
    expect(entry?.endpoints.map((endpoint) => endpoint.protocol).sort()).toEqual(['grpc', 'tcp']);
  });

  afterEach(async () => {
    await caller?.close();
    caller = undefined;
  });

  afterAll(async () => {
    Error.stackTraceLimit = stackTraceLimit;
    await instance.close();
  });

  async function sampleStacks(transport: 'tcp' | 'grpc'): Promise<string[]> {
    const strategy = new RecordingStrategy();
    const { Caller, imports } = callerFor(transport, strategy);
    const moduleRef = await Test.createTestingModule({ imports, providers: [Caller] }).compile();
    caller = moduleRef.createNestApplication({ logger: false });
    await caller.init();
    const client = caller.get(Caller).client;
    for (let i = 0; i < 3; i++) await expect(lastValueFrom(client.send('echo', { i }))).resolves.toEqual({ i });
    expect(strategy.results).toHaveLength(3);
    for (const { outcome } of strategy.results) expect(outcome).toMatchObject({ ok: true });
    return strategy.results.map(({ stack }) => stack);
  }

  it('should take the TCP sample synchronously inside the socket read that parsed the reply', async () => {
    for (const stack of await sampleStacks('tcp')) {
      const frames = framesOf(stack);
      // onResult <- ServiceBalancer.end <- BalancedCall settle <- PendingCalls.settle <- the
      // client's frame parser <- the socket's read callback, in one synchronous stack.
      expect(frames.at(-1)).toMatch(/callbackTrampoline|onStreamRead/);
      expect(frames.findIndex((frame) => frame.includes('balanced-call.ts'))).toBeLessThan(
        frames.findIndex((frame) => frame.includes('tcp.client.ts')),
      );
      expect(stack).not.toMatch(QUEUE_HOPS);
    }
  });

  it('should take the gRPC sample in the grpc-js status callback, with no timer or setImmediate in between', async () => {
    for (const stack of await sampleStacks('grpc')) {
      const frames = framesOf(stack);
      expect(frames.findIndex((frame) => frame.includes('balanced-call.ts'))).toBeLessThan(
        frames.findIndex((frame) => /transports[/\\]grpc[/\\]/.test(frame)),
      );
      // NOTE: grpc-js itself delivers the status one process.nextTick after the trailers are
      // parsed (resolving-call.ts); the nextTick queue runs before any other I/O or timer.
      expect(frames.at(-1)).toMatch(/@grpc[/\\]grpc-js|processTicksAndRejections|callbackTrampoline/);
      expect(stack).not.toMatch(QUEUE_HOPS);
    }
  });
});
