import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointMetadata } from './interfaces/endpoint-options.interface';
import type { DiscoveredEndpoint } from './protocols.explorer';
import { buildGrpcListener } from './grpc-listener.util';

const PROTO = `
syntax = "proto3";
package shop.v1;
message OrderRequest { string item = 1; }
message OrderReply { string id = 1; }
enum Kind { KIND_UNSPECIFIED = 0; }
service Orders {
  rpc CreateOrder (OrderRequest) returns (OrderReply);
  rpc GetOrder (OrderRequest) returns (OrderReply);
}
`;

function endpoint(
  pattern: string,
  service: string,
  method: string,
  protocols: EndpointMetadata['protocols'] = ['grpc'],
): DiscoveredEndpoint {
  const metadata: EndpointMetadata = {
    pattern,
    isEvent: false,
    protocols,
    http: { method: 'POST', path: `/${pattern}` },
    grpc: { service, method },
  };
  return { metadata, instance: {}, methodName: pattern.split('.').pop()!, className: 'OrdersController' };
}

describe('buildGrpcListener', () => {
  let dir: string;
  let protoPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orion-grpc-listener-'));
    protoPath = join(dir, 'shop.proto');
    writeFileSync(protoPath, PROTO);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should accept endpoints that name methods of a nested package, and advertise them', () => {
    const listener = buildGrpcListener({ protoPath, package: 'shop.v1' }, [
      endpoint('orders.create', 'Orders', 'CreateOrder'),
      endpoint('orders.get', 'Orders', 'GetOrder'),
    ]);
    expect(listener.services).toEqual(['Orders']);
    expect(listener.methods).toEqual({
      'orders.create': { service: 'Orders', method: 'CreateOrder' },
      'orders.get': { service: 'Orders', method: 'GetOrder' },
    });
  });

  it('should ignore endpoints that are not served over gRPC', () => {
    expect(() =>
      buildGrpcListener({ protoPath, package: 'shop.v1' }, [endpoint('orders.audit', 'Nope', 'Nope', ['http', 'tcp'])]),
    ).not.toThrow();
  });

  it('should name the endpoint, its handler, the unserved method and what the proto serves', () => {
    expect(() => buildGrpcListener({ protoPath, package: 'shop.v1' }, [endpoint('orders.refund', 'Orders', 'Refund')])).toThrow(
      "gRPC endpoint 'orders.refund' (OrdersController.refund) maps to Orders/Refund, which package 'shop.v1' of " +
        `${protoPath} does not serve (it serves: Orders (CreateOrder, GetOrder))`,
    );
  });

  it('should refuse a service of another package as unserved', () => {
    expect(() => buildGrpcListener({ protoPath, package: 'shop' }, [endpoint('orders.create', 'Orders', 'CreateOrder')])).toThrow(
      /package 'shop' of .* does not serve \(it serves: v1\.Orders \(CreateOrder, GetOrder\)\)/,
    );
  });

  it('should generate a JSON proto when there is no protoPath, serving every endpoint', () => {
    const listener = buildGrpcListener({}, [endpoint('orders.create', 'Orders', 'OrdersCreate')]);
    expect(listener.packageName).toBe('orion');
    expect(listener.methods).toEqual({ 'orders.create': { service: 'Orders', method: 'OrdersCreate' } });
  });
});
