import { InvalidCandidateIdError } from '../errors/invalid-candidate-id.error';
import { InvalidGroupNameError } from '../errors/invalid-group-name.error';
import { InvalidInstanceIdError } from '../errors/invalid-instance-id.error';
import { InvalidServiceNameError } from '../errors/invalid-service-name.error';
import { InvalidTtlError } from '../errors/invalid-ttl.error';

/** Service names: DNS-label-like, so they are safe as keys, file names and topic segments. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Leader-election groups follow the service-name rule. */
export const GROUP_NAME_PATTERN = SERVICE_NAME_PATTERN;
/**
 * Instance ids are file names in the `file://` backend: a portable character set, and no
 * leading `.` (hidden temp and lock files), `_` or `-`.
 */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const CANDIDATE_ID_MAX_LENGTH = 256;

/** @throws InvalidServiceNameError */
export function assertServiceName(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !SERVICE_NAME_PATTERN.test(value)) {
    throw new InvalidServiceNameError(value, SERVICE_NAME_PATTERN.source);
  }
}

/** @throws InvalidInstanceIdError */
export function assertInstanceId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !INSTANCE_ID_PATTERN.test(value)) {
    throw new InvalidInstanceIdError(value, INSTANCE_ID_PATTERN.source);
  }
}

/** @throws InvalidGroupNameError */
export function assertGroupName(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !GROUP_NAME_PATTERN.test(value)) {
    throw new InvalidGroupNameError(value, GROUP_NAME_PATTERN.source);
  }
}

/** @throws InvalidCandidateIdError */
export function assertCandidateId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > CANDIDATE_ID_MAX_LENGTH) {
    throw new InvalidCandidateIdError(value);
  }
}

/** @throws InvalidTtlError */
export function assertTtl(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidTtlError(value);
  }
}
