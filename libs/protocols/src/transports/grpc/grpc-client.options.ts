import type { ClientCallOptions } from '../../interfaces/client-options.interface';
import type { ClientTlsOptions } from '../../tls/tls.options';

/**
 * A gRPC method of the generated proto.
 *
 * @publicApi
 */
export interface GrpcClientMethod {
  /** Service name, e.g. `Echo` (the controller name without `Controller`). */
  service: string;
  /** Method name, e.g. `OrdersCreate` (the pattern in PascalCase). */
  method: string;
}

/** @publicApi */
export interface GrpcClientOptions extends ClientCallOptions {
  /** `host:port` of the listener (any grpc-js target). */
  url: string;
  /** Proto package. Default `orion`. */
  package?: string;
  /** Method of each pattern. Patterns not listed may be given as `Service/Method`. */
  methods?: Record<string, GrpcClientMethod>;
  /** Connect over TLS (`grpc.credentials.createSsl`); `cert` and `key` for mutual TLS. */
  tls?: ClientTlsOptions;
}
