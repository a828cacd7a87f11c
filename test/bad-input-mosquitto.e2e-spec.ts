import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MqttServer, startProtocols } from '@orion/protocols';
import { BadInputFixtureModule, echoCount, transportServer } from './fixtures/orders.fixture';
import { deeplyNestedJson, FUZZ_COUNT, FUZZ_SEED, fuzzLoop, isPrototypePolluted } from './harness/fuzz';
import { MqttProbe, type ProbeMessage } from './harness/mqtt-probe';
import { until } from './harness/raw-clients';
import { requireServerBinary, startMosquitto, type ManagedServer } from './harness/servers';

const mosquitto = requireServerBinary('mosquitto');
const describeWithMosquitto = mosquitto ? describe : describe.skip;
const MAX_PAYLOAD = 256 * 1024;

describeWithMosquitto('bad input over MQTT 5 through a real Mosquitto (skipped without mosquitto)', () => {
  let broker: ManagedServer & { remove(): void };
  let app: INestApplication;
  let server: MqttServer;
  let probe: MqttProbe;
  let seq = 0;

  /** Publishes with a response topic and correlation data; resolves with the reply. */
  async function request(topic: string, payload: string | Buffer, userProperties?: Record<string, string>): Promise<ProbeMessage> {
    const correlation = `c-${++seq}`;
    await probe.publish(topic, payload, { responseTopic: 'bad/replies', correlationData: Buffer.from(correlation), userProperties });
    return probe.next((m) => m.topic === 'bad/replies' && m.correlationData === correlation);
  }

  beforeAll(async () => {
    broker = await startMosquitto(mosquitto!);
    const moduleRef = await Test.createTestingModule({
      imports: [BadInputFixtureModule.with({ mqtt: { url: broker.url, maxPayloadBytes: MAX_PAYLOAD } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await startProtocols(app);
    server = transportServer(app, MqttServer);
    probe = await MqttProbe.open(broker.url, 5, ['bad/replies', 'echo/reply']);
  });

  afterEach(async () => {
    // Whatever the test sent, the listener still answers a good request.
    const reply = await request('echo', JSON.stringify({ id: 'good', pattern: 'echo', data: { text: 'still here' } }));
    expect(reply.body).toMatchObject({ id: 'good', response: { echoed: { text: 'still here' }, protocol: 'mqtt' } });
  });

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await broker?.stop();
    broker?.remove();
  });

  it.each([
    ['text that is not JSON', 'not json at all'],
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
    ['a JSON array', '[{"id":"x"}]'],
    ['an envelope with an id of the wrong type', '{"id":[1],"pattern":"echo","data":{}}'],
  ])('should answer %s with INVALID_ARGUMENT on the response topic, with the correlation data', async (_name, payload) => {
    expect((await request('echo', payload)).body).toMatchObject({ err: { code: 'INVALID_ARGUMENT', status: 3 }, isDisposed: true });
  });

  it('should drop and count a payload that is not an envelope and names no response topic', async () => {
    const before = server.droppedMessages;
    await probe.publish('echo', 'no envelope, no reply address');
    await until(() => (server.droppedMessages > before ? true : undefined), 3000, 'a counted drop');
    expect(server.droppedMessages).toBe(before + 1);
  });

  it('should answer a request without response topic on <topic>/reply', async () => {
    await probe.publish('echo', JSON.stringify({ id: 'no-topic', pattern: 'echo', data: 1 }));
    const reply = await probe.next((m) => m.topic === 'echo/reply' && m.body?.id === 'no-topic');
    expect(reply.body).toMatchObject({ response: { echoed: 1 } });
  });

  it('should refuse a payload over maxPayloadBytes with RESOURCE_EXHAUSTED', async () => {
    const reply = await request('echo', JSON.stringify({ id: 'big', pattern: 'echo', data: 'x'.repeat(MAX_PAYLOAD) }));
    expect(reply.body).toMatchObject({ id: 'big', err: { code: 'RESOURCE_EXHAUSTED' } });
  });

  it('should never receive a payload over 4x maxPayloadBytes: MQTT 5 maximumPacketSize lets the broker drop it', async () => {
    const before = server.droppedMessages;
    await probe.publish('echo', JSON.stringify({ id: 'huge', pattern: 'echo', data: 'x'.repeat(5 * MAX_PAYLOAD) }), {
      responseTopic: 'bad/replies',
    });
    expect(await probe.arrivesWithin((m) => m.body?.id === 'huge', 300)).toBe(false);
    expect(server.droppedMessages).toBe(before);
  });

  it('should survive 100k nested arrays and __proto__ keys', async () => {
    const deep = await request('echo', `{"id":"deep","pattern":"echo","data":${deeplyNestedJson(100_000)}}`);
    expect(deep.body).toMatchObject({ id: 'deep', err: { code: 'INTERNAL' } });
    const hostileProperties = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const proto = await request('echo', '{"id":"proto","pattern":"echo","data":{"__proto__":{"polluted":1}}}', hostileProperties);
    expect(proto.body).toMatchObject({ id: 'proto', response: { protocol: 'mqtt' } });
    expect(isPrototypePolluted()).toBe(false);
  });

  it('should answer wrong payload types with INVALID_ARGUMENT', async () => {
    const reply = await request('orders.create', JSON.stringify({ id: 'types', pattern: 'orders.create', data: 'not an object' }));
    expect(reply.body).toMatchObject({
      id: 'types',
      err: { code: 'INVALID_ARGUMENT', details: ['payload must be an object {sku, quantity, note?}'] },
    });
  });

  it('should refuse an expired deadline from user properties with DEADLINE_EXCEEDED without running the handler', async () => {
    const before = echoCount(app);
    const reply = await request('echo', JSON.stringify({ id: 'late', pattern: 'echo', data: {} }), { 'x-orion-timeout-ms': '-5' });
    expect(reply.body).toMatchObject({ id: 'late', err: { code: 'DEADLINE_EXCEEDED' } });
    expect(echoCount(app)).toBe(before);
  });

  it(`should answer every one of ${FUZZ_COUNT} random requests that expects a reply`, async () => {
    const valid = Buffer.from('{"id":"f","pattern":"echo","data":{"text":"fuzz"},"metadata":{"x-correlation-id":"c"}}');
    const expected: string[] = [];
    await fuzzLoop('mqtt-5', FUZZ_SEED, FUZZ_COUNT, async (fuzzer, index) => {
      const payload = fuzzer.pick([() => fuzzer.bytes(64), () => Buffer.from(fuzzer.text(48)), () => fuzzer.mutate(valid)])();
      const correlation = `fuzz-${index}`;
      // With a response topic, only a well-formed event (an object without id) goes unanswered.
      let isEvent: boolean;
      try {
        const value: unknown = JSON.parse(payload.toString('utf8'));
        isEvent = typeof value === 'object' && value !== null && !Array.isArray(value) && !('id' in value);
      } catch {
        isEvent = false;
      }
      if (!isEvent) expected.push(correlation);
      await probe.publish('echo', payload, { responseTopic: 'bad/replies', correlationData: Buffer.from(correlation) });
    });
    const answered = () => new Set(probe.messages.map((m) => m.correlationData));
    await until(() => (expected.every((c) => answered().has(c)) ? true : undefined), 5000, 'a reply to every fuzz request').catch(() => {
      throw new Error(`unanswered (FUZZ_SEED=${FUZZ_SEED}): ${expected.filter((c) => !answered().has(c)).join(', ')}`);
    });
    for (const message of probe.messages.filter((m) => m.body && 'err' in m.body)) {
      expect(message.body!.err).toMatchObject({ code: expect.any(String), status: expect.any(Number), message: expect.any(String) });
    }
    expect(isPrototypePolluted()).toBe(false);
  });
});
