import { readMeshEnv } from '../shared/mesh-env';
import { startMeshApp } from '../shared/start-mesh-app.util';
import { InventoryModule } from './inventory.module';

/** Runs one inventory instance (`main.js --role inventory`). */
export async function runInventory(): Promise<void> {
  const env = readMeshEnv('inventory');
  await startMeshApp(InventoryModule.forRoot(env), env);
}
