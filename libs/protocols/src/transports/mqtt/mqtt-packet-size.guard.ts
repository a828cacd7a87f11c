import { Transform, type TransformCallback } from 'node:stream';

/** The most bytes an MQTT "remaining length" may take (a 4-byte varint). */
const MAX_LENGTH_BYTES = 4;

/**
 * Passes an MQTT byte stream through unchanged while reading each packet's fixed header,
 * and fails the stream as soon as a header announces a packet larger than the limit:
 * before its body arrives, so a 100 MB PUBLISH costs the broker a few bytes, not 100 MB
 * (mqtt-packet, under aedes, buffers a whole packet before parsing it).
 */
export class MqttPacketSizeGuard extends Transform {
  /** Body bytes of the current packet still to pass. */
  private remaining = 0;
  /** Fixed-header bytes read so far of the next packet (type byte, then the length varint). */
  private headerLength = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxPacketBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const skipped = Math.min(this.remaining, chunk.length - at);
        this.remaining -= skipped;
        at += skipped;
        continue;
      }
      const byte = chunk[at++];
      if (this.headerLength++ === 0) continue; // the packet type and flags
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (byte & 0x80) {
        if (this.headerLength > MAX_LENGTH_BYTES) return callback(new Error('malformed MQTT packet length'));
        continue;
      }
      if (this.length > this.maxPacketBytes) {
        return callback(new Error(`MQTT packet of ${this.length} bytes is over the broker's limit of ${this.maxPacketBytes}`));
      }
      this.remaining = this.length;
      this.headerLength = 0;
      this.length = 0;
      this.multiplier = 1;
    }
    callback(null, chunk);
  }
}
