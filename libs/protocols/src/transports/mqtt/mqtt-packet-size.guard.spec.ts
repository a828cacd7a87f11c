import { generate } from 'mqtt-packet';
import { MqttPacketSizeGuard } from './mqtt-packet-size.guard';

/** Feeds `bytes` to a guard in chunks of `size`; resolves with what passed, or the error. */
function feed(guard: MqttPacketSizeGuard, bytes: Buffer, size: number): Promise<Buffer | Error> {
  const passed: Buffer[] = [];
  guard.on('data', (chunk: Buffer) => passed.push(chunk));
  return new Promise((resolve) => {
    guard.once('error', resolve);
    guard.once('end', () => resolve(Buffer.concat(passed)));
    for (let at = 0; at < bytes.length; at += size) guard.write(bytes.subarray(at, at + size));
    guard.end();
  });
}

const publish = (payloadBytes: number) =>
  generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(payloadBytes, 1), qos: 0, retain: false, dup: false });

describe('MqttPacketSizeGuard', () => {
  const stream = Buffer.concat([generate({ cmd: 'pingreq' }), publish(10), publish(200), publish(20_000), generate({ cmd: 'pingreq' })]);

  it.each([1, 2, 3, 7, 1024, stream.length])('should pass packets under the limit unchanged, in chunks of %i bytes', async (size) => {
    expect(await feed(new MqttPacketSizeGuard(32 * 1024), stream, size)).toEqual(stream);
  });

  it.each([1, 3, 4096])('should fail on the header of a packet over the limit (chunks of %i bytes)', async (size) => {
    const result = await feed(new MqttPacketSizeGuard(16 * 1024), Buffer.concat([publish(10), publish(20_000)]), size);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/MQTT packet of 20\d{3} bytes is over the broker's limit of 16384/);
  });

  it('should fail on a remaining length longer than 4 bytes', async () => {
    const result = await feed(new MqttPacketSizeGuard(1024), Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 1);
    expect((result as Error).message).toMatch(/malformed/);
  });
});
