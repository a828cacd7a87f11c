#!/usr/bin/env node
// Consumer test: installs the packed @orion/protocols and @orion/discovery tarballs into a
// copy of examples/consumer in a temp dir outside the repo (its own package.json, no path
// aliases, plain tsc), once per Nest major, then starts a greeter and a frontend on one
// file:// registry and calls the greeter from the frontend over TCP, gRPC, HTTP, WebSocket, UDP and MQTT through
// injected balanced clients.
//
//   node scripts/consumer-test.js [12] [11]     (default: both; runs `npm run pack` first
//                                                unless dist/packages has the tarballs)
// KEEP_CONSUMER=1 keeps the temp dirs for a look.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');

const root = join(__dirname, '..');
const packages = join(root, 'dist', 'packages');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NEST_PACKAGES = ['@nestjs/common', '@nestjs/core', '@nestjs/microservices', '@nestjs/platform-express', '@nestjs/terminus'];
/** Guard against a hung process only; the steps wait on events, not on time. */
const READY_GUARD_MS = 120_000;

function run(cmd, args, cwd) {
  console.log(`consumer-test: (${cwd}) ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

function tarball(name) {
  const file = readdirSync(packages).find((f) => f.startsWith(`orion-${name}-`) && f.endsWith('.tgz'));
  if (!file) throw new Error(`no ${name} tarball in ${packages}`);
  return join(packages, file);
}

/** Starts `node dist/main.js <role>` and resolves with its ORION_READY payload. */
function start(dir, role, env) {
  const child = spawn(process.execPath, ['dist/main.js', role], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const ready = new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`${role} not ready:\n${output.join('\n')}`)), READY_GUARD_MS);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (line.startsWith('ORION_READY ')) {
          clearTimeout(guard);
          resolve(JSON.parse(line.slice('ORION_READY '.length)));
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`${role} exited with ${code} before ready:\n${output.join('\n')}`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { ready, stop, output };
}

async function expectGreeting(url, init, expected) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${text}`);
  const body = JSON.parse(text);
  for (const [key, value] of Object.entries(expected)) {
    if (body[key] !== value)
      throw new Error(`${url}: ${key} is ${JSON.stringify(body[key])}, expected ${JSON.stringify(value)} (body ${text})`);
  }
  console.log(`consumer-test: ok ${url} -> ${text}`);
}

async function testNest(major) {
  const dir = mkdtempSync(join(tmpdir(), `orion-consumer-nest${major}-`));
  console.log(`\nconsumer-test: Nest ${major} in ${dir}`);
  cpSync(join(root, 'examples', 'consumer'), dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist|\.orion)([/\\]|$)/.test(src.slice(root.length)),
  });
  // What a user's package.json holds after `npm install <tarball>`; the Nest major under test.
  const pins = [`dependencies.@orion/protocols=file:${tarball('protocols')}`, `dependencies.@orion/discovery=file:${tarball('discovery')}`];
  for (const name of NEST_PACKAGES) pins.push(`dependencies.${name}=^${major}.0.0`);
  // Optional peers, as an app that serves MQTT adds them: mqtt, and aedes for the embedded broker.
  pins.push('dependencies.mqtt=^5.10.0', 'dependencies.aedes=^1.0.0');
  run(npm, ['pkg', 'set', ...pins], dir);
  run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  run(npm, ['ls', ...NEST_PACKAGES, '@orion/protocols', '@orion/discovery'], dir);
  run(npm, ['run', 'build'], dir);

  // The in-process MQTT 3.1.1 broker of the installed package, as a test of a user's app would start it.
  const broker = await require(join(dir, 'node_modules', '@orion', 'protocols')).startEmbeddedMqttBroker();
  const env = { ORION_REGISTRY: `file://${join(dir, '.orion', 'registry')}`, MQTT_URL: broker.url };
  const greeter = start(dir, 'greeter', env);
  const frontend = start(dir, 'frontend', env);
  try {
    const g = await greeter.ready;
    const f = await frontend.ready;
    await expectGreeting(`${g.addresses.http.url}/greet`, post({ name: 'Ada' }), { greeting: 'Hello, Ada!', protocol: 'http', pid: g.pid });
    for (const transport of ['tcp', 'grpc', 'http', 'ws', 'udp', 'mqtt']) {
      const correlationId = `consumer-test-${transport}`;
      await expectGreeting(
        `${f.addresses.http.url}/relay/${transport}/Grace`,
        { headers: { 'x-correlation-id': correlationId } },
        {
          greeting: 'Hello, Grace!',
          correlationId, // the frontend's request headers reached the greeter
          protocol: transport,
          pid: g.pid, // answered by the other process
          via: transport,
        },
      );
    }
  } catch (error) {
    console.error(`--- greeter output ---\n${greeter.output.join('\n')}\n--- frontend output ---\n${frontend.output.join('\n')}`);
    throw error;
  } finally {
    await Promise.all([greeter.stop(), frontend.stop()]);
    await broker.close();
    if (!process.env.KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`consumer-test: Nest ${major} passed`);
}

function post(body) {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function main() {
  const majors = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['12', '11'];
  if (!existsSync(packages) || readdirSync(packages).filter((f) => f.endsWith('.tgz')).length < 2) {
    run(process.execPath, [join(__dirname, 'pack.js')], root);
  }
  for (const major of majors) await testNest(major);
  console.log(`consumer-test: passed on Nest ${majors.join(' and ')}`);
}

main().catch((error) => {
  console.error(`consumer-test: FAILED: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
