import type { ALL_PROTOCOLS } from '../protocols.constants';

/**
 * A protocol one endpoint can be served over.
 *
 * @publicApi
 */
export type Protocol = (typeof ALL_PROTOCOLS)[number];
