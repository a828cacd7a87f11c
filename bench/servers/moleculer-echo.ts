// One Moleculer 0.15 node serving `echo.echo` over the TCP transporter, as a child process
// (the peer baseline). Env: NODE_ID, PORT, URLS (every node of the run as
// `127.0.0.1:<port>/<nodeID>`, comma-separated; UDP discovery is off). Actions:
// `echo.echo` (returns its params, after DELAY ms when set), `echo.setDelay` {ms},
// `echo.count` (served since the last call, then reset). Moleculer 0.15 declares Node >= 22;
// it runs on Node 20 (npm warns at install).
import { ServiceBroker, type Context } from 'moleculer';

const env = process.env;
let delayMs = Number(env.DELAY_MS ?? 0);
let served = 0;

const broker = new ServiceBroker({
  nodeID: env.NODE_ID,
  logger: false,
  transporter: { type: 'TCP', options: { udpDiscovery: false, port: Number(env.PORT), urls: env.URLS! } },
});

broker.createService({
  name: 'echo',
  actions: {
    echo(ctx: Context<Record<string, unknown>>) {
      served++;
      if (delayMs <= 0) return ctx.params;
      return new Promise((resolve) => setTimeout(() => resolve(ctx.params), delayMs));
    },
    setDelay(ctx: Context<{ ms: number }>) {
      delayMs = Number(ctx.params.ms) || 0;
      return { delayMs };
    },
    count() {
      const value = served;
      served = 0;
      return value;
    },
  },
});

broker.start().then(
  () => process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid, nodeID: env.NODE_ID, port: Number(env.PORT) }) + '\n'),
  (error: unknown) => {
    process.stdout.write(JSON.stringify({ event: 'error', message: String(error) }) + '\n');
    process.exit(1);
  },
);
