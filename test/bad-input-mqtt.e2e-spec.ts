import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MqttServer, startEmbeddedMqttBroker, startProtocols, type EmbeddedMqttBroker } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, OrdersController, transportServer } from './fixtures/orders.fixture';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { MqttProbe, type ProbeMessage } from './harness/mqtt-probe';
import { until } from './harness/raw-clients';

const MAX_PAYLOAD = 256 * 1024;
const REPLY_TOPICS = ['echo/reply', 'orders.create/reply', 'audit/reply'];

describe('bad input over MQTT 3.1.1 (in-process broker, replies on <topic>/reply)', () => {
  let broker: EmbeddedMqttBroker;
  let app: INestApplication;
  let server: MqttServer;
  let probe: MqttProbe;

  const replyTo = (id: string) => (m: ProbeMessage) => m.body?.id === id;

  async function waitForDrop(before: number): Promise<void> {
    await until(() => (server.droppedMessages > before ? true : undefined), 3000, 'the message to be dropped and counted');
  }

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker();
    const moduleRef = await Test.createTestingModule({
      imports: [BadInputFixtureModule.with({ mqtt: { url: broker.url, protocolVersion: 4, maxPayloadBytes: MAX_PAYLOAD } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await startProtocols(app);
    server = transportServer(app, MqttServer);
    probe = await MqttProbe.open(broker.url, 4, REPLY_TOPICS);
  });

  afterEach(async () => {
    // Whatever the test sent, the listener still answers a good request.
    const id = `good-${Date.now()}`;
    await probe.publish('echo', JSON.stringify({ id, pattern: 'echo', data: { text: 'still here' } }));
    expect((await probe.next(replyTo(id))).body).toMatchObject({ response: { echoed: { text: 'still here' }, protocol: 'mqtt' } });
  });

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await broker?.close();
  });

  describe('payloads that are not envelopes', () => {
    it.each([
      ['text that is not JSON', 'hello'],
      ['binary garbage', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])],
      ['a JSON array', '[1,2,3]'],
      ['a JSON string', '"echo"'],
      ['an envelope with an id of the wrong type', '{"id":{"a":1},"pattern":"echo","data":{}}'],
    ])('should drop and count %s (no reply address)', async (_name, payload) => {
      const before = server.droppedMessages;
      await probe.publish('echo', payload);
      await waitForDrop(before);
      expect(server.droppedMessages).toBe(before + 1);
    });

    it('should answer broken JSON whose request id can be read with INVALID_ARGUMENT on <topic>/reply', async () => {
      await probe.publish('echo', '{"id":"broken","pattern":"echo","data":');
      expect((await probe.next(replyTo('broken'))).body).toMatchObject({ err: { code: 'INVALID_ARGUMENT', status: 3 }, isDisposed: true });
    });

    it('should refuse a payload over maxPayloadBytes with RESOURCE_EXHAUSTED without parsing it', async () => {
      await probe.publish('echo', JSON.stringify({ id: 'big', pattern: 'echo', data: 'x'.repeat(MAX_PAYLOAD) }));
      expect((await probe.next(replyTo('big'))).body).toMatchObject({ err: { code: 'RESOURCE_EXHAUSTED' } });
    });
  });

  describe('hostile JSON', () => {
    it('should not pollute prototypes through __proto__ or constructor keys', async () => {
      const payload =
        '{"id":"proto","pattern":"echo","__proto__":{"polluted":1},"metadata":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}},' +
        '"data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}';
      await probe.publish('echo', payload);
      expect((await probe.next(replyTo('proto'))).body).toMatchObject({ response: { protocol: 'mqtt' } });
      expect(isPrototypePolluted()).toBe(false);
    });

    it('should survive 100k nested arrays: INTERNAL for an unserializable reply, INVALID_ARGUMENT from validation', async () => {
      const deep = deeplyNestedJson(100_000);
      await probe.publish('echo', `{"id":"deep","pattern":"echo","data":${deep}}`);
      await probe.publish('orders.create', `{"id":"deep-order","pattern":"orders.create","data":${deep}}`);
      expect((await probe.next(replyTo('deep'))).body).toMatchObject({ err: { code: 'INTERNAL' } });
      expect((await probe.next(replyTo('deep-order'))).body).toMatchObject({ err: { code: 'INVALID_ARGUMENT' } });
    });
  });

  describe('unknown patterns, wrong types and deadlines', () => {
    it('should leave a request on a topic nobody serves to the broker (the caller times out)', async () => {
      await probe.client.subscribeAsync('no.such/reply');
      await probe.publish('no.such', JSON.stringify({ id: 'nobody', pattern: 'no.such', data: {} }));
      expect(await probe.arrivesWithin(replyTo('nobody'), 200)).toBe(false);
    });

    it('should answer wrong payload types with INVALID_ARGUMENT and the violations', async () => {
      const created = app.get(OrdersController).created.length;
      await probe.publish('orders.create', JSON.stringify({ id: 'types', pattern: 'orders.create', data: { sku: null, quantity: 1e9 } }));
      const reply = (await probe.next(replyTo('types'))).body!;
      expect(reply).toMatchObject({ err: { code: 'INVALID_ARGUMENT', message: 'validation failed' } });
      expect((reply.err as { details: string[] }).details).toHaveLength(2);
      expect(app.get(OrdersController).created.length).toBe(created);
    });

    it('should refuse an expired deadline with DEADLINE_EXCEEDED without running the handler', async () => {
      const before = echoCount(app);
      await probe.publish('echo', JSON.stringify({ id: 'late', pattern: 'echo', data: {}, metadata: { 'x-orion-timeout-ms': '-5' } }));
      expect((await probe.next(replyTo('late'))).body).toMatchObject({ err: { code: 'DEADLINE_EXCEEDED' } });
      expect(echoCount(app)).toBe(before);
    });
  });

  describe('fuzz', () => {
    it(`should survive ${FUZZ_COUNT} random and mutated payloads, answering only in our error shape`, async () => {
      const valid = Buffer.from('{"id":"f","pattern":"orders.create","data":{"sku":"A","quantity":3},"metadata":{"x-correlation-id":"c"}}');
      const topics = ['echo', 'orders.create', 'audit'];
      const before = server.droppedMessages;
      await fuzzLoop('mqtt-3.1.1', FUZZ_SEED, FUZZ_COUNT, async (fuzzer) => {
        const payload = fuzzer.pick([() => fuzzer.bytes(64), () => Buffer.from(fuzzer.text(64)), () => fuzzer.mutate(valid)])();
        await probe.publish(fuzzer.pick(topics), payload);
      });
      const id = 'after-fuzz';
      await probe.publish('echo', JSON.stringify({ id, pattern: 'echo', data: 1 }));
      await probe.next(replyTo(id), 5000);
      expect(server.droppedMessages).toBeGreaterThan(before);
      for (const message of probe.messages.filter((m) => m.body && 'err' in m.body)) {
        expect(message.body!.err).toMatchObject({ code: expect.any(String), status: expect.any(Number), message: expect.any(String) });
      }
      expect(isPrototypePolluted()).toBe(false);
    });
  });
});
