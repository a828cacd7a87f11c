import type { BoundAddresses } from '@orion/protocols';

/** The commands `npm start` prints, one per protocol, with the real bound addresses. */
export function howToCall(addresses: BoundAddresses): string[] {
  const lines: string[] = [];
  if (addresses.http) {
    lines.push(`HTTP  (browser or curl): curl ${addresses.http.url}/greet/world`);
  }
  const call = (protocol: string, target: string) => `node scripts/call.js ${protocol} ${target} greet '{"name":"world"}'`;
  if (addresses.ws) lines.push(`WS    ${call('ws', addresses.ws.url)}`);
  if (addresses.tcp) lines.push(`TCP   ${call('tcp', `${addresses.tcp.host}:${addresses.tcp.port}`)}`);
  if (addresses.grpc) lines.push(`gRPC  ${call('grpc', addresses.grpc.url).replace(' greet ', ' Greeter/Greet ')}`);
  if (addresses.mqtt) lines.push(`MQTT  ${call('mqtt', addresses.mqtt.url)}`);
  return lines;
}
