/** Injection token of the `LeaderElector` backend. @internal */
export const LEADER_ELECTOR = 'DISCOVERY:LEADER_ELECTOR';
/** Metadata key of `@LeaderOnly`. */
export const LEADER_ONLY_METADATA = 'discovery:leader-only';
/** Instance property through which `@LeaderOnly` methods reach the election. @internal */
export const LEADER_ELECTION_REF = Symbol('discovery:leader-election');
/** Default group of `@LeaderOnly()` and `campaign()`. */
export const DEFAULT_LEADER_GROUP = 'default';
