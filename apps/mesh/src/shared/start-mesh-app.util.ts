import { Injectable, type DynamicModule, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startProtocols, type BoundAddresses } from '@orion/protocols';
import type { MeshEnv } from './mesh-env';
import { MeshLogger } from './mesh.logger';
import { stopMeshTracing } from './tracing.bootstrap';

/** What a mesh process tells the launcher once every listener is up. */
export interface ReadyReport {
  event: 'ready';
  role: string;
  index: number;
  instanceId: string;
  pid: number;
  addresses: BoundAddresses;
}

/**
 * Starts one mesh process the way any Orion app starts: create the Nest app, enable
 * shutdown hooks (SIGTERM/SIGINT: drain, deregister, close), start every listener. Then
 * reports readiness to the launcher over IPC (a JSON line on stdout when run by hand).
 */
export async function startMeshApp(module: DynamicModule, env: MeshEnv): Promise<INestApplication> {
  const logger = new MeshLogger(env.instanceId, env.logFile);
  const withTracing: DynamicModule = { ...module, providers: [...(module.providers ?? []), TracingShutdownHook] };
  const app = await NestFactory.create(withTracing, { logger });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT', 'SIGHUP']);
  const addresses = await startProtocols(app);
  const report: ReadyReport = { event: 'ready', role: env.role, index: env.index, instanceId: env.instanceId, pid: process.pid, addresses };
  if (process.send) {
    process.send(report);
    // NOTE: the IPC channel closes when the launcher dies, even by SIGKILL: shut down
    // cleanly instead of living on as an orphan.
    process.once('disconnect', () => void shutdown(app, logger));
  } else {
    process.stdout.write(JSON.stringify(report) + '\n');
  }
  return app;
}

/** Sends the spans still buffered once the app closed (its last requests' included). */
@Injectable()
class TracingShutdownHook implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await stopMeshTracing();
  }
}

async function shutdown(app: INestApplication, logger: MeshLogger): Promise<void> {
  logger.warn('launcher is gone: shutting down', 'mesh');
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  await app.close().catch(() => undefined);
  logger.close();
  process.exit(0);
}
