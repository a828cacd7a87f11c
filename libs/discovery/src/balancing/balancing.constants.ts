/** Strategy used when a client names none. @publicApi */
export const BALANCING_DEFAULT_STRATEGY = 'p2c-ewma';

/** Peak-EWMA decay time constant (tau), milliseconds. @publicApi */
export const P2C_EWMA_DEFAULT_DECAY_MS = 10_000;
/** p2c-ewma forgets a spike on a fast instance this many times faster than a slow instance (`recoveryMs = decayMs / 10`). @publicApi */
export const P2C_EWMA_RECOVERY_DIVISOR = 10;
/** A failed call counts as a latency sample of this many times the current estimate. @publicApi */
export const P2C_EWMA_FAILURE_PENALTY_FACTOR = 5;
/** Upper bound of the adaptive failure penalty, milliseconds. @publicApi */
export const P2C_EWMA_MAX_FAILURE_PENALTY_MS = 60_000;

/** Virtual nodes per instance (per unit of weight when weight-scaled). @publicApi */
export const CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES = 100;

/** Longest weighted cycle (picks) that is precomputed; a longer one is walked step by step. @publicApi */
export const WEIGHTED_MAX_SCHEDULE_LENGTH = 1 << 16;
/** Most work (cycle length × distinct weights) spent precomputing a weighted cycle. @publicApi */
export const WEIGHTED_MAX_SCHEDULE_WORK = 1 << 22;

/** Zone preference applies when the caller's zone has at least this many healthy instances. @publicApi */
export const INSTANCE_PICKER_DEFAULT_MIN_ZONE_INSTANCES = 2;
/** Below this share of healthy instances (percent) the picker balances over all non-draining ones. @publicApi */
export const INSTANCE_PICKER_DEFAULT_PANIC_THRESHOLD_PERCENT = 50;
