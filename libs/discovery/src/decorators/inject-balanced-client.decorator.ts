import { Inject } from '@nestjs/common';
import { getBalancedClientToken } from '../utils/get-balanced-client-token.util';

/**
 * Injects the `BalancedClientProxy` registered for `service` (or for its `name`).
 *
 * @publicApi
 */
export const InjectBalancedClient = (service: string): ParameterDecorator & PropertyDecorator => Inject(getBalancedClientToken(service));
