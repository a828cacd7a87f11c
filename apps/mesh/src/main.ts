import 'reflect-metadata';
import { MESH_ROLES, type MeshRole } from './shared/mesh.constants';
import { meshInstanceId } from './shared/mesh-env';
import { startMeshTracing } from './shared/tracing.bootstrap';

type RoleMain = (argv: readonly string[]) => Promise<void>;

/**
 * One entry point for the whole demo: `main.js` runs the launcher (`npm start`), which
 * starts this same file once per mesh process with `--role gateway|orders|inventory`.
 * Each role's code is loaded only in the process that runs it.
 */
const ROLES: Record<MeshRole, () => RoleMain> = {
  launcher: () => (require('./launcher/launcher.main') as typeof import('./launcher/launcher.main')).runLauncher,
  gateway: () => (require('./gateway/gateway.main') as typeof import('./gateway/gateway.main')).runGateway,
  orders: () => (require('./orders/orders.main') as typeof import('./orders/orders.main')).runOrders,
  inventory: () => (require('./inventory/inventory.main') as typeof import('./inventory/inventory.main')).runInventory,
};

function splitRole(argv: readonly string[]): { role: MeshRole; rest: string[] } {
  const at = argv.indexOf('--role');
  if (at < 0) return { role: 'launcher', rest: [...argv] };
  const role = argv[at + 1];
  if (!(MESH_ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${MESH_ROLES.join(', ')}, not '${role}'`);
  return { role: role as MeshRole, rest: argv.filter((_, i) => i !== at && i !== at + 1) };
}

const { role, rest } = splitRole(process.argv.slice(2));
// The OpenTelemetry SDK first, before the role's Nest modules and the Orion libraries load.
if (role !== 'launcher') startMeshTracing(role, meshInstanceId(role));
ROLES[role]()(rest).catch((error: unknown) => {
  console.error(`${role} failed:`, error);
  process.exit(1);
});
