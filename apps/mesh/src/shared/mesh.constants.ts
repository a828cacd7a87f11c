/** Names, groups and demo data shared by the roles of the demo mesh. */

/** The roles one `main.js` can run: the launcher (default) or one mesh process. */
export const MESH_ROLES = ['launcher', 'gateway', 'orders', 'inventory'] as const;
export type MeshRole = (typeof MESH_ROLES)[number];
export type ServiceRole = Exclude<MeshRole, 'launcher'>;

/** Version every demo instance registers with (`MESH_VERSION` overrides it per process). */
export const MESH_VERSION = '0.1.0';
/** Version of the inventory instances `--canary <n>` starts. */
export const CANARY_VERSION = '0.2.0';
/** Split of every client to `inventory` under `--canary`: 90% to the stable version, 10% to the canary. */
export const CANARY_VERSION_SPLIT = [
  { version: '0.1.x', weight: 90 },
  { version: '0.2.x', weight: 10 },
] as const;

/** Lease of a demo instance: a killed one leaves the dashboard within this (heartbeat: a third). */
export const MESH_DEFAULT_TTL_MS = 3000;

/** Leader election group of the restock job (one instance of `inventory` runs it). */
export const RESTOCK_GROUP = 'inventory-restock';
export const RESTOCK_INTERVAL_MS = 5000;
export const RESTOCK_AMOUNT = 30;

/** `inventory.low` is published when a SKU falls below this. */
export const LOW_STOCK_THRESHOLD = 10;

/** Starting stock of the demo shop. */
export const INITIAL_STOCK: Readonly<Record<string, number>> = { apple: 60, pear: 40, plum: 30, fig: 20 };

/** MQTT event patterns. */
export const INVENTORY_LOW_EVENT = 'inventory.low';
export const INVENTORY_RESTOCKED_EVENT = 'inventory.restocked';
/** Balanced-client stats of a service instance, for the dashboard. */
export const TELEMETRY_EVENT = 'mesh.telemetry';
export const TELEMETRY_INTERVAL_MS = 2000;

/** Instance metadata keys the dashboard reads. */
export const METADATA_PID = 'pid';
export const METADATA_LEADER_GROUPS = 'leaderGroups';
/** How often the launcher restarted the process after a crash. */
export const METADATA_RESTARTS = 'restarts';

/** Header carrying the launcher's token on OTLP exports to the gateway (see `MESH_OTLP_TOKEN`). */
export const OTLP_TOKEN_HEADER = 'x-orion-otlp-token';
