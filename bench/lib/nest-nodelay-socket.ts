// Nest's JsonSocket with TCP_NODELAY set. Nest 12's ClientTCP (and ServerTCP) never call
// setNoDelay, so by default their writes go through Nagle's algorithm; on loopback that
// coalesces small writes and can win at high concurrency and lose at low. The overhead
// scenario measures Nest's client both ways (`nest-tcp`, `nest-tcp-nodelay`, through
// ClientTCP's `socketClass` option) and judges against the better of the two.
import type { Socket } from 'node:net';
import { JsonSocket } from '@nestjs/microservices';

export class NoDelayJsonSocket extends JsonSocket {
  constructor(socket: Socket) {
    super(socket);
    socket.setNoDelay(true);
  }
}
