import { INVALID_CANDIDATE_ID_MESSAGE } from './discovery-errors.messages';
import { DiscoveryError } from './discovery.error';

/**
 * A leader-election candidate id is empty, not a string, or longer than 256 characters.
 *
 * @publicApi
 */
export class InvalidCandidateIdError extends DiscoveryError {
  constructor(readonly value: unknown) {
    super(INVALID_CANDIDATE_ID_MESSAGE(value));
  }
}
