import { randomUUID } from 'node:crypto';
import mqtt, { type IClientPublishOptions } from 'mqtt';

/**
 * One request over MQTT with a real mqtt.js client. Version 5: response topic, correlation
 * data and user properties; version 4: Nest-style `<topic>/reply`.
 */
export async function mqttRequest(
  url: string,
  protocolVersion: 4 | 5,
  topic: string,
  envelope: Record<string, unknown>,
  options: { userProperties?: Record<string, string>; timeoutMs?: number; responseTopic?: string | null } = {},
): Promise<Record<string, unknown> & { correlationData?: string }> {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  try {
    const responseTopic =
      protocolVersion === 5 && options.responseTopic !== null ? (options.responseTopic ?? `replies/${randomUUID()}`) : `${topic}/reply`;
    await client.subscribeAsync(responseTopic);
    const reply = new Promise<Record<string, unknown> & { correlationData?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MQTT reply on ${responseTopic}`)), options.timeoutMs ?? 3000);
      client.on('message', (t, payload, packet) => {
        if (t !== responseTopic) return;
        const body = JSON.parse(payload.toString()) as Record<string, unknown>;
        if (envelope.id !== undefined && body.id !== envelope.id) return;
        clearTimeout(timer);
        resolve({ ...body, correlationData: packet.properties?.correlationData?.toString() });
      });
    });
    const publish: IClientPublishOptions = {};
    if (protocolVersion === 5) {
      publish.properties = { correlationData: Buffer.from(String(envelope.id ?? 'none')), userProperties: options.userProperties };
      if (options.responseTopic !== null) publish.properties.responseTopic = responseTopic;
    }
    await client.publishAsync(topic, JSON.stringify(envelope), publish);
    return await reply;
  } finally {
    await client.endAsync();
  }
}

export async function mqttPublish(
  url: string,
  protocolVersion: 4 | 5,
  topic: string,
  body: unknown,
  userProperties?: Record<string, string>,
): Promise<void> {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  try {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    await client.publishAsync(topic, payload, protocolVersion === 5 && userProperties ? { properties: { userProperties } } : {});
  } finally {
    await client.endAsync();
  }
}
