import { MqttContext } from '@nestjs/microservices';
import type { ProtocolAwareContext } from '../../context/protocol-aware-context.interface';

/**
 * Nest's MQTT context plus the headers of the message (MQTT 5 user properties, or the
 * `metadata` of the JSON envelope for MQTT 3.1.1 publishers).
 *
 * @publicApi
 */
export class MqttMessageContext extends MqttContext implements ProtocolAwareContext {
  readonly protocol = 'mqtt' as const;

  constructor(
    topic: string,
    packet: Record<string, unknown>,
    private readonly headers: Record<string, string>,
    private readonly requestId: string | undefined,
  ) {
    super([topic, packet]);
  }

  getHeaders(): Record<string, string> {
    return this.headers;
  }

  getRequestId(): string | undefined {
    return this.requestId;
  }
}
