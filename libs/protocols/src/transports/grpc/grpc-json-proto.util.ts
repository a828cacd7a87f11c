import type { EndpointMetadata } from '../../interfaces/endpoint-options.interface';

/** Name of the generic message of the generated proto. */
export const GRPC_JSON_MESSAGE = 'JsonMessage';

/**
 * The proto that serves every endpoint without a hand-written .proto: one service per
 * `grpc.service`, one `rpc Method (JsonMessage) returns (JsonMessage)` per endpoint, the
 * payload as JSON text in `JsonMessage.json`.
 */
export function buildJsonProto(packageName: string, endpoints: readonly EndpointMetadata[]): string {
  const services = new Map<string, Map<string, string>>();
  for (const endpoint of endpoints) {
    if (!endpoint.protocols.includes('grpc')) continue;
    const methods = services.get(endpoint.grpc.service) ?? new Map<string, string>();
    const existing = methods.get(endpoint.grpc.method);
    if (existing !== undefined && existing !== endpoint.pattern) {
      throw new Error(
        `gRPC method ${endpoint.grpc.service}.${endpoint.grpc.method} is claimed by both '${existing}' and '${endpoint.pattern}'; set @Endpoint(..., { grpc: { method } }) on one`,
      );
    }
    methods.set(endpoint.grpc.method, endpoint.pattern);
    services.set(endpoint.grpc.service, methods);
  }
  const lines = [
    'syntax = "proto3";',
    `package ${packageName};`,
    '',
    `// Payload and reply as JSON text; an empty string means "no value".`,
    `message ${GRPC_JSON_MESSAGE} {`,
    '  string json = 1;',
    '}',
  ];
  for (const [service, methods] of services) {
    lines.push('', `service ${service} {`);
    for (const [method, pattern] of methods) {
      lines.push(`  // pattern: ${pattern}`);
      lines.push(`  rpc ${method} (${GRPC_JSON_MESSAGE}) returns (${GRPC_JSON_MESSAGE});`);
    }
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}
