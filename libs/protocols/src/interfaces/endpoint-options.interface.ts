import type { Protocol } from './protocol.interface';

/** @publicApi */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Options of `@Endpoint` / `@EventEndpoint`.
 *
 * @publicApi
 */
export interface EndpointOptions {
  /** Serve only over these protocols. Default: every configured protocol. */
  protocols?: readonly Protocol[];
  /**
   * HTTP route. Default: `POST /<pattern with . and : as />`, e.g. `orders.create` →
   * `POST /orders/create`. The path is relative to the controller's prefix.
   */
  http?: { method?: HttpMethod; path?: string };
  /**
   * gRPC method. Default service: the controller class name without `Controller`
   * (`OrdersController` → `Orders`); default method: the pattern in PascalCase
   * (`orders.create` → `OrdersCreate`).
   */
  grpc?: { service?: string; method?: string };
}

/** What `@Endpoint` stores on a method; read by the explorer and the middleware chain. */
export interface EndpointMetadata {
  pattern: string;
  isEvent: boolean;
  protocols: readonly Protocol[];
  http: { method: HttpMethod; path: string };
  grpc: { service: string; method: string };
}
