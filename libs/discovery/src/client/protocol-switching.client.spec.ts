import { ProtocolError, type CallOptions } from '@orion/protocols';
import { lastValueFrom, Observable } from 'rxjs';
import type { ServiceEndpoint } from '../registry/service-instance.interface';
import { ProtocolPreference } from './protocol-preference';
import { ProtocolSwitchingClient } from './protocol-switching.client';
import type { TransportClient } from './transport-clients';

type Done = (error: ProtocolError | undefined, value?: unknown) => void;

/** A client of one protocol whose answers the test decides: `refuse` (not sent), `reply`, `hang`, or a sent failure. */
class ScriptedClient implements TransportClient {
  mode: 'refuse' | 'reply' | 'hang' | 'reset' = 'reply';
  readonly calls: { pattern: string; options: CallOptions | undefined; done: Done }[] = [];
  readonly cancelled: number[] = [];
  isClosed = false;

  constructor(readonly protocol: string) {}

  call(pattern: string, _data: unknown, options: CallOptions | undefined, done: Done): number {
    this.calls.push({ pattern, options, done });
    if (this.mode === 'refuse') done(ProtocolError.unavailable(`${this.protocol} refused`, { isRequestSent: false }));
    else if (this.mode === 'reset') done(ProtocolError.unavailable(`${this.protocol} reset`));
    else if (this.mode === 'reply') done(undefined, `${this.protocol}:${pattern}`);
    return this.calls.length;
  }

  cancel(id: number): void {
    this.cancelled.push(id);
  }

  send(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return new Observable((subscriber) => {
      this.call(pattern, data, options, (error, value) =>
        error ? subscriber.error(error) : (subscriber.next(value), subscriber.complete()),
      );
    });
  }

  emit(pattern: string, data: unknown, options?: CallOptions): Observable<unknown> {
    return this.send(pattern, data, options);
  }

  close(): void {
    this.isClosed = true;
  }
}

const endpoint = (protocol: 'grpc' | 'tcp', port: number): ServiceEndpoint => ({ protocol, host: '127.0.0.1', port });

describe('ProtocolSwitchingClient', () => {
  let now: number;
  let created: ScriptedClient[];
  /** What each new client of a protocol starts as. */
  let modes: Record<string, ScriptedClient['mode']>;
  let preference: ProtocolPreference;
  let client: ProtocolSwitchingClient;

  const call = (pattern: string, timeoutMs = 1000) =>
    new Promise<{ error?: ProtocolError; value?: unknown }>((resolve) => {
      client.call(pattern, undefined, { timeoutMs, headers: { 'x-test': '1' } }, (error, value) => resolve({ error, value }));
    });
  const clientsOf = (protocol: string) => created.filter((c) => c.protocol === protocol);

  beforeEach(() => {
    now = 1_000;
    created = [];
    modes = { grpc: 'reply', tcp: 'reply' };
    preference = new ProtocolPreference(['grpc', 'tcp'], 100, () => now);
    client = new ProtocolSwitchingClient(preference, [endpoint('grpc', 1), endpoint('tcp', 2)], (e) => {
      const scripted = new ScriptedClient(e.protocol);
      scripted.mode = modes[e.protocol];
      created.push(scripted);
      return scripted;
    });
  });

  describe('call', () => {
    it('should use the preferred protocol while it answers', async () => {
      await expect(call('a')).resolves.toEqual({ error: undefined, value: 'grpc:a' });
      expect(clientsOf('tcp')).toHaveLength(0);
    });

    it('should send again over the next protocol at once when the preferred one refuses, with the same headers', async () => {
      modes.grpc = 'refuse';
      await expect(call('a')).resolves.toEqual({ error: undefined, value: 'tcp:a' });
      expect(preference.protocol).toBe('tcp');
      expect(clientsOf('tcp')[0].calls[0].options?.headers).toEqual({ 'x-test': '1' });
      // The refused client is closed: a probe builds a new one.
      expect(clientsOf('grpc')[0].isClosed).toBe(true);
      await expect(call('b')).resolves.toEqual({ error: undefined, value: 'tcp:b' });
      expect(clientsOf('grpc')[0].calls).toHaveLength(1);
    });

    it('should fail with the last protocol refusal when every protocol refuses', async () => {
      modes.grpc = 'refuse';
      modes.tcp = 'refuse';
      const { error } = await call('a');
      expect(error?.message).toBe('tcp refused');
    });

    it('should not hop on a failure after sending (the caller decides about retries)', async () => {
      modes.grpc = 'reset';
      const { error } = await call('a');
      expect(error?.message).toBe('grpc reset');
      expect(clientsOf('tcp')).toHaveLength(0);
      expect(preference.protocol).toBe('grpc');
    });

    it('should probe the preferred protocol with a new client after the interval and switch back', async () => {
      modes.grpc = 'refuse';
      await call('a');
      modes.grpc = 'reply';
      now += 100;
      await expect(call('b')).resolves.toEqual({ error: undefined, value: 'grpc:b' });
      expect(clientsOf('grpc')).toHaveLength(2);
      expect(preference.protocol).toBe('grpc');
      expect(preference.switches).toBe(2);
    });

    it('should answer over the fallback when a probe refuses, and wait longer before the next', async () => {
      modes.grpc = 'refuse';
      await call('a');
      now += 100;
      await expect(call('b')).resolves.toEqual({ error: undefined, value: 'tcp:b' });
      expect(clientsOf('grpc')).toHaveLength(2);
      now += 199;
      await call('c');
      expect(clientsOf('grpc')).toHaveLength(2);
      now += 1;
      await call('d');
      expect(clientsOf('grpc')).toHaveLength(3);
    });

    it('should give the hop only the time left of the attempt', async () => {
      modes.grpc = 'hang';
      client.call('a', undefined, { timeoutMs: 1000 }, () => undefined);
      const startedAt = Date.now();
      const grpc = clientsOf('grpc')[0];
      // The refusal arrives late: the hop gets what is left.
      await new Promise<void>((resolve) => setImmediate(resolve));
      grpc.calls[0].done(ProtocolError.unavailable('refused late', { isRequestSent: false }));
      const hop = clientsOf('tcp')[0].calls[0].options!.timeoutMs!;
      expect(hop).toBeLessThanOrEqual(1000 - (Date.now() - startedAt) + 1);
      expect(hop).toBeGreaterThan(0);
    });
  });

  describe('a client that cannot be built', () => {
    it('should treat it as a refusal: over the next protocol now, probed again later', async () => {
      let grpcBuilds = 0;
      const failing = new ProtocolSwitchingClient(preference, [endpoint('grpc', 1), endpoint('tcp', 2)], (e) => {
        if (e.protocol === 'grpc' && ++grpcBuilds > 0) throw new TypeError('bad url');
        const scripted = new ScriptedClient(e.protocol);
        created.push(scripted);
        return scripted;
      });
      const reply = (pattern: string) =>
        new Promise((resolve) => failing.call(pattern, undefined, { timeoutMs: 1000 }, (error, value) => resolve(error ?? value)));
      await expect(reply('a')).resolves.toBe('tcp:a');
      now += 100;
      await expect(reply('b')).resolves.toBe('tcp:b');
      expect(grpcBuilds).toBe(2);
      // The failed probe doubled the wait: no probe 100 ms later, one 200 ms later.
      now += 100;
      await expect(reply('c')).resolves.toBe('tcp:c');
      expect(grpcBuilds).toBe(2);
      now += 100;
      await expect(reply('d')).resolves.toBe('tcp:d');
      expect(grpcBuilds).toBe(3);
      expect(preference.protocol).toBe('tcp');
      expect(preference.switches).toBe(1);
    });
  });

  describe('cancel', () => {
    it('should cancel the call in flight on its protocol and never call back', () => {
      modes.grpc = 'hang';
      const done = jest.fn();
      const id = client.call('a', undefined, { timeoutMs: 1000 }, done);
      client.cancel(id);
      const grpc = clientsOf('grpc')[0];
      expect(grpc.cancelled).toEqual([1]);
      grpc.calls[0].done(undefined, 'late');
      expect(done).not.toHaveBeenCalled();
    });

    it('should let the next call probe again when a probe is cancelled', async () => {
      modes.grpc = 'refuse';
      await call('a');
      modes.grpc = 'hang';
      now += 100;
      const id = client.call('b', undefined, { timeoutMs: 1000 }, () => undefined);
      expect(clientsOf('grpc')).toHaveLength(2);
      client.cancel(id);
      client.call('c', undefined, { timeoutMs: 1000 }, () => undefined);
      expect(clientsOf('grpc')[1].calls).toHaveLength(2);
    });
  });

  describe('send and emit', () => {
    it('should hop on a refusal for Observable calls too', async () => {
      modes.grpc = 'refuse';
      await expect(lastValueFrom(client.emit('e', 1))).resolves.toBe('tcp:e');
      await expect(lastValueFrom(client.send('s', 1))).resolves.toBe('tcp:s');
    });
  });

  describe('close', () => {
    it('should close the client of every protocol', async () => {
      modes.grpc = 'refuse';
      await call('a');
      now += 100;
      modes.grpc = 'hang';
      void call('b');
      client.close();
      expect(created.every((c) => c.isClosed)).toBe(true);
    });
  });
});
