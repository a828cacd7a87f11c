import { readMeshEnv } from '../shared/mesh-env';
import { startMeshApp } from '../shared/start-mesh-app.util';
import { OrdersModule } from './orders.module';

/** Runs one orders instance (`main.js --role orders`). */
export async function runOrders(): Promise<void> {
  const env = readMeshEnv('orders');
  await startMeshApp(OrdersModule.forRoot(env), env);
}
