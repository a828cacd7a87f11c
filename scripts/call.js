#!/usr/bin/env node
// Calls an Orion endpoint with a plain client of each protocol (no Orion code), e.g.
//   node scripts/call.js tcp 127.0.0.1:4000 greet '{"name":"world"}'
//   node scripts/call.js grpc 127.0.0.1:5000 Greeter/Greet '{"name":"world"}'
//   node scripts/call.js udp 127.0.0.1:6000 greet '{"name":"world"}'
// Prints the reply as JSON; exits 1 on an error reply or after --timeout ms (default 5000).
'use strict';
const net = require('node:net');
const { randomUUID } = require('node:crypto');

const [protocol, target, pattern, json = 'null'] = process.argv.slice(2);
const timeoutMs = Number(process.env.CALL_TIMEOUT_MS ?? 5000);
const usage = 'usage: node scripts/call.js <http|ws|tcp|udp|grpc|mqtt> <address> <pattern | Service/Method> [json]';

function done(error, reply) {
  if (error) {
    console.error(typeof error === 'string' ? error : JSON.stringify(error.err ?? error.error ?? error.message ?? error));
    process.exit(1);
  }
  console.log(JSON.stringify(reply));
  process.exit(0);
}
setTimeout(() => done(`no reply within ${timeoutMs} ms`), timeoutMs).unref();

const callers = {
  async http() {
    const res = await fetch(`${target}/${pattern.replace(/[.:]/g, '/')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
    });
    const body = await res.text();
    return res.ok ? done(null, body ? JSON.parse(body) : null) : done(body);
  },
  ws() {
    const WebSocket = require('ws');
    const socket = new WebSocket(target);
    socket.on('open', () => socket.send(JSON.stringify({ id: '1', pattern, data: JSON.parse(json) })));
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString());
      return frame.error ? done(frame.error) : done(null, frame.data);
    });
    socket.on('error', (e) => done(e.message));
  },
  tcp() {
    const [host, port] = target.split(':');
    const socket = net.connect(Number(port), host);
    const body = JSON.stringify({ id: '1', pattern, data: JSON.parse(json) });
    socket.on('connect', () => socket.write(`${Buffer.byteLength(body)}#${body}`));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const hash = buffer.indexOf('#');
      if (hash < 0 || Buffer.byteLength(buffer.slice(hash + 1)) < Number(buffer.slice(0, hash))) return;
      const reply = JSON.parse(buffer.slice(hash + 1));
      return reply.err ? done(reply.err) : done(null, reply.response);
    });
    socket.on('error', (e) => done(e.message));
  },
  udp() {
    // One datagram `{ v: 1, id, pattern, data }`; the reply carries the same id. With
    // ORION_UDP_HMAC_KEY set, both are prefixed with the HMAC-SHA256 of the body.
    const [host, port] = target.split(':');
    const socket = require('node:dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const id = randomUUID();
    const key = process.env.ORION_UDP_HMAC_KEY;
    const sign = (body) => Buffer.concat([require('node:crypto').createHmac('sha256', key).update(body).digest(), body]);
    socket.on('message', (raw) => {
      const reply = JSON.parse((key ? raw.subarray(32) : raw).toString());
      if (reply.id !== id) return;
      socket.close();
      return reply.err ? done(reply.err) : done(null, reply.response);
    });
    socket.on('error', (e) => done(e.message));
    const body = Buffer.from(JSON.stringify({ v: 1, id, pattern, data: JSON.parse(json) }));
    socket.send(key ? sign(body) : body, Number(port), host);
  },
  grpc() {
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const [service, method] = pattern.split('/');
    if (!method) return done(`gRPC needs Service/Method, not '${pattern}'`);
    // The generated JSON proto has this shape for every endpoint; rebuild just this method.
    const proto = `syntax = "proto3"; package orion; message JsonMessage { string json = 1; }
      service ${service} { rpc ${method} (JsonMessage) returns (JsonMessage); }`;
    const file = require('node:path').join(require('node:os').tmpdir(), `orion-call-${randomUUID()}.proto`);
    require('node:fs').writeFileSync(file, proto);
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true, defaults: true }));
    require('node:fs').rmSync(file);
    const client = new pkg.orion[service](target, grpc.credentials.createInsecure());
    client[method]({ json }, { deadline: Date.now() + timeoutMs }, (error, reply) =>
      error ? done(`${grpc.status[error.code]}: ${error.details}`) : done(null, reply.json ? JSON.parse(reply.json) : null),
    );
  },
  async mqtt() {
    const mqtt = require('mqtt');
    const client = await mqtt.connectAsync(target, { reconnectPeriod: 0 });
    const id = randomUUID();
    await client.subscribeAsync(`${pattern}/reply`);
    client.on('message', (_topic, payload) => {
      const reply = JSON.parse(payload.toString());
      if (reply.id !== id) return;
      client.end();
      return reply.err ? done(reply.err) : done(null, reply.response);
    });
    await client.publishAsync(pattern, JSON.stringify({ id, pattern, data: JSON.parse(json) }));
  },
};

if (!callers[protocol] || !target || !pattern) done(usage);
Promise.resolve(callers[protocol]()).catch((e) => done(e.message ?? String(e)));
