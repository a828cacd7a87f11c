// The "limit" server: the least a JS echo server can do on one socket, as a child process.
// FRAMING=ndjson (default): newline-delimited JSON `{"id":n,"data":...}`, answered with the
// same shape. FRAMING=nest: Nest's TCP framing `<length>#<json>` with packets
// `{id, pattern, data}`, answered `{id, response, isDisposed: true}`, so Nest's ClientTCP and
// Orion's clients can talk to it (this measures client cost without a framework server).
// Every message is parsed and the reply serialized, as any real server must.
import { createServer, type Socket } from 'node:net';

const framing = process.env.FRAMING === 'nest' ? 'nest' : 'ndjson';

function serveNdjson(socket: Socket): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let out = '';
    let start = 0;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n', start)) {
      const message = JSON.parse(buffered.slice(start, nl)) as { id: number; data: unknown };
      out += JSON.stringify({ id: message.id, data: message.data }) + '\n';
      start = nl + 1;
    }
    buffered = buffered.slice(start);
    if (out) socket.write(out);
  });
}

function serveNest(socket: Socket): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let out = '';
    for (;;) {
      const hash = buffered.indexOf('#');
      if (hash === -1) break;
      const length = Number(buffered.slice(0, hash));
      if (buffered.length < hash + 1 + length) break;
      const packet = JSON.parse(buffered.slice(hash + 1, hash + 1 + length)) as { id?: string; data: unknown };
      buffered = buffered.slice(hash + 1 + length);
      if (packet.id === undefined) continue;
      const reply = JSON.stringify({ id: packet.id, response: packet.data, isDisposed: true });
      out += `${reply.length}#${reply}`;
    }
    if (out) socket.write(out);
  });
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  if (framing === 'nest') serveNest(socket);
  else serveNdjson(socket);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid, framing, port: address.port }) + '\n');
});
