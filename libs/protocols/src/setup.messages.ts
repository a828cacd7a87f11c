/** Text of the errors a misconfigured app gets at start, one constant or function per case. */

export const PROTOCOLS_MODULE_MISSING =
  "@Endpoint handlers need ProtocolsModule: import ProtocolsModule.forRoot({...}) in the app's root module " +
  '(it is global unless isGlobal: false, then import it where the controller is), or, in a test, ' +
  "ProtocolsTestingModule from '@orion/protocols/testing'";

export const startedTwiceMessage = (): string =>
  'startProtocols(app) was already called for this app: call it once, in main.ts, instead of app.listen()';

export interface UnservedGrpcMethod {
  pattern: string;
  handler: string;
  service: string;
  method: string;
  packageName: string;
  protoPath: string | string[];
  served: Map<string, string[]>;
}

export const unservedGrpcMethodMessage = (m: UnservedGrpcMethod): string => {
  const served = [...m.served].map(([service, methods]) => `${service} (${methods.join(', ')})`).join('; ') || 'none';
  return (
    `startProtocols: gRPC endpoint '${m.pattern}' (${m.handler}) maps to ${m.service}/${m.method}, ` +
    `which package '${m.packageName}' of ${[m.protoPath].flat().join(', ')} does not serve (it serves: ${served}). ` +
    `Name a method of the .proto with @Endpoint('${m.pattern}', { grpc: { service, method } }), ` +
    `or leave gRPC out of its protocols.`
  );
};
