/** Default lease of a registered instance (ms). */
export const DISCOVERY_DEFAULT_TTL_MS = 10_000;
/** How long a draining app waits for in-flight work before deregistering anyway (ms). */
export const DISCOVERY_DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** How long a draining app keeps accepting work so that watchers see `draining` (ms). */
export const DISCOVERY_DEFAULT_DRAIN_GRACE_MS = 1_000;
/** Liveness and readiness routes on the HTTP listener. */
export const DISCOVERY_HEALTH_PATH = 'health';
/** Environment variable that overrides the advertised host. */
export const ADVERTISE_HOST_ENV = 'ORION_ADVERTISE_HOST';
