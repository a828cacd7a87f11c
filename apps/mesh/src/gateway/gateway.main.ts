import { readMeshEnv } from '../shared/mesh-env';
import { startMeshApp } from '../shared/start-mesh-app.util';
import { GatewayModule } from './gateway.module';

/** Runs the gateway (`main.js --role gateway`). */
export async function runGateway(): Promise<void> {
  const env = readMeshEnv('gateway');
  await startMeshApp(GatewayModule.forRoot(env), env);
}
