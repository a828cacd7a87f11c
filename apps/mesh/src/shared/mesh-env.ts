import { join, resolve } from 'node:path';
import { MESH_DEFAULT_TTL_MS, type ServiceRole } from './mesh.constants';

/**
 * What the launcher hands a mesh process through its environment. A role process can be
 * run by hand too (`node main.js --role orders`) with the same variables.
 */
export interface MeshEnv {
  role: ServiceRole;
  /** 1-based index among the instances of the role. */
  index: number;
  instanceId: string;
  registryUrl: string;
  mqttUrl: string;
  /** MQTT protocol version of the broker: 4 for the in-process one, 5 for a real broker. */
  mqttProtocolVersion: 4 | 5;
  zone?: string;
  strategy: string;
  ttlMs: number;
  /** Shared demo data (orders, stock): the stand-in for a database. */
  dataDir: string;
  /** Where the full log goes; unset: everything on the console. */
  logFile?: string;
  /** Gateway only: HTTP port (0 = any free one). */
  httpPort: number;
}

export function readMeshEnv(role: ServiceRole, env: NodeJS.ProcessEnv = process.env): MeshEnv {
  const index = Number(env.MESH_INDEX ?? 1);
  const dir = resolve(env.ORION_DIR ?? '.orion');
  return {
    role,
    index,
    instanceId: env.MESH_INSTANCE_ID ?? `${role}-${index}-${process.pid}`,
    registryUrl: env.REGISTRY_URL ?? `file://${join(dir, 'registry')}`,
    mqttUrl: required(env, 'MQTT_URL'),
    mqttProtocolVersion: env.MQTT_PROTOCOL_VERSION === '4' ? 4 : 5,
    zone: env.MESH_ZONE || undefined,
    strategy: env.MESH_STRATEGY ?? 'p2c-ewma',
    ttlMs: Number(env.MESH_TTL_MS ?? MESH_DEFAULT_TTL_MS),
    dataDir: env.MESH_DATA_DIR ?? join(dir, 'data'),
    logFile: env.MESH_LOG_FILE || undefined,
    httpPort: Number(env.MESH_HTTP_PORT ?? 0),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (the launcher sets it; see docs/demo.md)`);
  return value;
}

/** Injection token of the process's `MeshEnv`. */
export const MESH_ENV = Symbol('MESH_ENV');
