import { Inject } from '@nestjs/common';
import { getRegistryToken } from '../utils/get-registry-token.util';

/**
 * Injects the `ServiceRegistry` of `ServiceDiscoveryModule`.
 *
 * @publicApi
 */
export const InjectRegistry = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getRegistryToken(name));
