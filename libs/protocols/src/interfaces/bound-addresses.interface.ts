/**
 * What `startProtocols` resolves to: every listener as actually bound.
 *
 * @publicApi
 */
export interface BoundAddresses {
  http?: { host: string; port: number; url: string };
  ws?: { host: string; port: number; path: string; url: string };
  tcp?: { host: string; port: number; /** Listener speaks TLS. */ tls?: boolean };
  udp?: { host: string; port: number };
  grpc?: {
    host: string;
    port: number;
    /** `host:port`, as grpc-js clients take it. */
    url: string;
    /** Listener speaks TLS. */
    tls?: boolean;
    package: string;
    services: string[];
    /** gRPC method of each endpoint pattern. */
    methods: Record<string, { service: string; method: string }>;
    /** The .proto clients load: yours, or the generated JSON proto written to a temp file. */
    protoPath: string | string[];
  };
  mqtt?: {
    url: string;
    /** Prefix of this instance's own topics: `<topicBase>/<pattern>`. */
    topicBase: string;
    protocolVersion: 4 | 5;
  };
}
