import { Controller, Optional } from '@nestjs/common';
import { BalancedClientProxy, InjectBalancedClient } from '@orion/discovery';
import { Endpoint, Msg, ProtocolError } from '@orion/protocols';
import { lastValueFrom } from 'rxjs';
import type { Greeting } from './greeter.controller';

/** Calls the `greeter` service through balanced clients, one per transport. */
@Controller()
export class RelayController {
  private readonly clients: Record<string, BalancedClientProxy>;

  constructor(
    @InjectBalancedClient('greeter-tcp') tcp: BalancedClientProxy,
    @InjectBalancedClient('greeter-grpc') grpc: BalancedClientProxy,
    @InjectBalancedClient('greeter-http') http: BalancedClientProxy,
    @InjectBalancedClient('greeter-ws') ws: BalancedClientProxy,
    @InjectBalancedClient('greeter-udp') udp: BalancedClientProxy,
    @Optional() @InjectBalancedClient('greeter-mqtt') mqtt?: BalancedClientProxy, // with MQTT_URL only
  ) {
    this.clients = { tcp, grpc, http, ws, udp, ...(mqtt ? { mqtt } : {}) };
  }

  // GET /relay/tcp/Ada: calls greeter's 'greet' over TCP on whichever instance is picked.
  @Endpoint('relay', { http: { method: 'GET', path: '/relay/:transport/:name' } })
  async relay(@Msg() request: { transport: string; name: string }): Promise<Greeting & { via: string }> {
    const client = this.clients[request.transport];
    if (!client) throw ProtocolError.invalidArgument(`transport must be one of ${Object.keys(this.clients).join(', ')}`);
    const reply = await lastValueFrom(client.send<Greeting>('greet', { name: request.name }, { timeoutMs: 10_000 }));
    return { ...reply, via: request.transport };
  }
}
