import { LOCK_TIMEOUT_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * The `file://` backend could not take its exclusive lock file in time (another process
 * holds it and keeps it fresh, or the directory is not writable).
 *
 * @publicApi
 */
export class LockTimeoutError extends DiscoveryError {
  constructor(
    readonly lockPath: string,
    readonly timeoutMs: number,
  ) {
    super(LOCK_TIMEOUT_MESSAGE(lockPath, timeoutMs));
  }
}
