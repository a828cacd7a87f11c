import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { MqttClient } from '@orion/protocols';
import { lastValueFrom } from 'rxjs';
import { MESH_ENV, meshMqttOptions, type MeshEnv } from './mesh-env';

/**
 * Publishes fire-and-forget events on the MQTT broker (`inventory.low`, telemetry...).
 * Whoever serves an `@EventEndpoint` of that pattern over MQTT receives it.
 */
@Injectable()
export class EventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger('EventsPublisher');
  private readonly client: MqttClient;

  constructor(@Inject(MESH_ENV) env: MeshEnv) {
    this.client = new MqttClient({ ...meshMqttOptions(env), timeoutMs: 2000 });
  }

  /** Resolves once the broker took the event; a failure is logged, never thrown. */
  async publish(pattern: string, data: unknown): Promise<void> {
    try {
      await lastValueFrom(this.client.emit(pattern, data), { defaultValue: undefined });
    } catch (error) {
      this.logger.warn(`could not publish ${pattern}: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
