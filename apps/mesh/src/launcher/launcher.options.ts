import { resolve } from 'node:path';
import { MESH_DEFAULT_TTL_MS } from '../shared/mesh.constants';
import { STRATEGY_NAMES, toStrategyName } from '../shared/strategy-name.util';

export interface LauncherOptions {
  orders: number;
  inventory: number;
  strategy: string;
  /** Gateway HTTP port; undefined: 3000 when free, else any free port. */
  port?: number;
  trafficRps: number;
  /** State directory: registry (file://), demo data, logs. */
  dir: string;
  registryUrl: string;
  /** Unset: the launcher hosts an in-process broker. */
  mqttUrl?: string;
  ttlMs: number;
  /** Inventory instances (the last ones) that run the canary version; > 0 also splits traffic 90/10 by version. */
  canary: number;
  isHelp: boolean;
}

/** One flag: its env variable, its default (for the help text) and how to read it. */
const FLAGS = {
  orders: { env: 'ORDERS_INSTANCES', arg: '<n>', help: 'orders instances (1..10)', default: '3' },
  inventory: { env: 'INVENTORY_INSTANCES', arg: '<n>', help: 'inventory instances (1..10)', default: '2' },
  strategy: {
    env: 'STRATEGY',
    arg: '<name>',
    help: `balancing strategy of every client: ${STRATEGY_NAMES.join(', ')}`,
    default: 'p2c-ewma',
  },
  port: { env: 'PORT', arg: '<n>', help: 'gateway HTTP port, 0 = any free one', default: '3000 if free, else any' },
  traffic: { env: 'DEMO_TRAFFIC', arg: '<rps>', help: 'background demo orders per second, 0 = none', default: '2' },
  registry: {
    env: 'REGISTRY_URL',
    arg: '<url>',
    help: 'file://<dir>, redis://host:port or etcd://host:port',
    default: 'file://<dir>/registry',
  },
  mqtt: { env: 'MQTT_URL', arg: '<url>', help: 'MQTT 5 broker to use', default: 'an in-process broker' },
  dir: { env: 'ORION_DIR', arg: '<path>', help: 'state directory: registry, demo data, logs', default: '.orion' },
  ttl: {
    env: 'MESH_TTL_MS',
    arg: '<ms>',
    help: 'instance lease: a killed instance leaves within it',
    default: String(MESH_DEFAULT_TTL_MS),
  },
  canary: {
    env: 'CANARY',
    arg: '<n>',
    help: 'inventory instances running version 0.2.0; clients split 90% 0.1.x / 10% 0.2.x',
    default: '0',
  },
} as const;
type Flag = keyof typeof FLAGS;

export const HELP = [
  'Usage: npm start -- [options]      (or: node dist/apps/mesh/apps/mesh/src/main.js [options])',
  '',
  'Starts the Orion Mesh demo: a gateway (HTTP + WebSocket, dashboard at /dashboard) and',
  'instances of the orders and inventory services, each its own process on free loopback',
  'ports, with a file registry and an in-process MQTT broker: nothing else to install.',
  'Ctrl-C stops every process cleanly.',
  '',
  'Options (environment variable in brackets):',
  ...Object.entries(FLAGS).flatMap(([name, flag]) => [
    `  --${`${name} ${flag.arg}`.padEnd(18)} ${flag.help}`,
    `  ${''.padEnd(20)} [${flag.env}] default: ${flag.default}`,
  ]),
  '  -h, --help            this text',
  '',
  'Broker credentials for --mqtt: MQTT_USERNAME, MQTT_PASSWORD (the in-process broker makes its own).',
  'A crashed instance is restarted after 1 s, 2 s, 4 s ... up to 30 s while it keeps crashing.',
  'Logging: LOG_FORMAT=tree|json (default tree), LOG_LEVEL (default info). Each instance',
  'logs in full to <dir>/logs/<name>.log; warnings and errors also reach this console.',
  'More: docs/demo.md',
].join('\n');

/** Reads flags (`--orders 3` or `--orders=3`), then env, then defaults. Throws on a bad value. */
export function parseLauncherOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LauncherOptions {
  const given = new Map<Flag, string>();
  let isHelp = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      isHelp = true;
      continue;
    }
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match || !Object.hasOwn(FLAGS, match[1])) throw new Error(`unknown option '${arg}' (see --help)`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    given.set(match[1] as Flag, value);
  }
  const raw = (flag: Flag): string | undefined => given.get(flag) ?? (env[FLAGS[flag].env] || undefined);
  const dir = resolve(raw('dir') ?? '.orion');
  const port = raw('port');
  return {
    orders: integer('orders', raw('orders') ?? '3', 1, 10),
    inventory: integer('inventory', raw('inventory') ?? '2', 1, 10),
    strategy: toStrategyName(raw('strategy') ?? 'p2c-ewma'),
    port: port === undefined ? undefined : integer('port', port, 0, 65535),
    trafficRps: number('traffic', raw('traffic') ?? '2', 0, 100),
    dir,
    registryUrl: raw('registry') ?? `file://${resolve(dir, 'registry')}`,
    mqttUrl: raw('mqtt'),
    ttlMs: integer('ttl', raw('ttl') ?? String(MESH_DEFAULT_TTL_MS), 300, 60_000),
    canary: integer('canary', raw('canary') ?? '0', 0, 10),
    isHelp,
  };
}

function number(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new Error(`--${name} must be a number in ${min}..${max}, not '${value}'`);
  return n;
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = number(name, value, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number, not '${value}'`);
  return n;
}
