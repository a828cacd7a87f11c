import { randomBytes } from 'node:crypto';
import { withoutCredentials } from '../shared/mesh-env';
import { OTLP_TOKEN_HEADER } from '../shared/mesh.constants';

/** Batch delay of the demo's span exporters unless `OTEL_BSP_SCHEDULE_DELAY` says otherwise (the SDK's default is 5 s). */
const DEMO_BSP_SCHEDULE_DELAY_MS = '500';

/** What the launcher adds to its children's environment for tracing, and how the banner shows it. */
export interface MeshTracingEnv {
  env: Record<string, string>;
  shown: string;
}

/**
 * Where the mesh processes export their spans. By default to the gateway's OTLP receiver
 * (`<gateway>/v1/traces`), with a token generated for this run (`x-orion-otlp-token`, the
 * gateway's `MESH_OTLP_TOKEN`) so that only the mesh's processes can post there. When the
 * user named a collector (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`)
 * nothing is added: the children inherit the user's variables and the SDK reads them, and
 * the token is never sent to someone else's collector. `OTEL_TRACES_EXPORTER=none` (or
 * `OTEL_SDK_DISABLED=true`): no SDK at all.
 */
export function meshTracingEnv(gatewayUrl: string, env: NodeJS.ProcessEnv): MeshTracingEnv {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase());
  if (exporters.includes('none') || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    return { env: {}, shown: 'off (OTEL_TRACES_EXPORTER=none)' };
  }
  const own = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (own) return { env: {}, shown: `exported to ${withoutCredentials(own)} (your OTEL_EXPORTER_OTLP_* settings)` };
  const token = randomBytes(24).toString('hex');
  const headers = [env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, `${OTLP_TOKEN_HEADER}=${token}`].filter(Boolean).join(',');
  const endpoint = `${gatewayUrl}/v1/traces`;
  return {
    env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: headers,
      MESH_OTLP_TOKEN: token,
      OTEL_BSP_SCHEDULE_DELAY: env.OTEL_BSP_SCHEDULE_DELAY || DEMO_BSP_SCHEDULE_DELAY_MS,
    },
    shown: `${endpoint} ← every process (OTLP/HTTP); waterfall on the dashboard`,
  };
}
