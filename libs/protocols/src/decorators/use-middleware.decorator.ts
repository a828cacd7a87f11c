import { SetMetadata } from '@nestjs/common';
import { MIDDLEWARE_METADATA } from '../protocols.constants';
import type { MiddlewareRef } from '../interfaces/protocols-options.interface';

/**
 * Runs the given middleware around the endpoints of a class or one method. Order of the
 * whole chain: built-ins, global (module options), class, method; within each, as listed.
 *
 * @publicApi
 */
export const UseMiddleware = (...middleware: MiddlewareRef[]): ClassDecorator & MethodDecorator =>
  SetMetadata(MIDDLEWARE_METADATA, middleware);
