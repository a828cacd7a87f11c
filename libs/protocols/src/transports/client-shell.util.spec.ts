import { EventEmitter } from 'node:events';
import { ForwardedListeners, MemoisedConnection, WaitingCalls } from './client-shell.util';

/** A promise with its settle functions, so a test decides when an attempt ends. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('client shell', () => {
  describe('MemoisedConnection', () => {
    it('shares one attempt between callers and keeps the open connection', async () => {
      const attempt = deferred<string>();
      const open = jest.fn(() => attempt.promise);
      const connection = new MemoisedConnection(open);
      const first = connection.get();
      const second = connection.get();
      attempt.resolve('socket');
      await expect(first).resolves.toBe('socket');
      await expect(second).resolves.toBe('socket');
      await expect(connection.get()).resolves.toBe('socket');
      expect(open).toHaveBeenCalledTimes(1);
    });

    it('forgets a failed attempt, so the next caller opens again', async () => {
      const open = jest.fn().mockRejectedValueOnce(new Error('refused')).mockResolvedValueOnce('socket');
      const connection = new MemoisedConnection<string>(open);
      await expect(connection.get()).rejects.toThrow('refused');
      await expect(connection.get()).resolves.toBe('socket');
      expect(open).toHaveBeenCalledTimes(2);
    });

    it('a stale attempt failing after a reset does not forget the newer one', async () => {
      const stale = deferred<string>();
      const fresh = deferred<string>();
      const open = jest.fn().mockReturnValueOnce(stale.promise).mockReturnValueOnce(fresh.promise);
      const connection = new MemoisedConnection<string>(open);
      const staleGet = connection.get();
      connection.reset();
      const freshGet = connection.get();
      stale.reject(new Error('closed'));
      await expect(staleGet).rejects.toThrow('closed');
      expect(connection.get()).toBe(freshGet);
      fresh.resolve('socket');
      await expect(freshGet).resolves.toBe('socket');
      expect(open).toHaveBeenCalledTimes(2);
    });

    it('reset makes the next caller open a new connection', async () => {
      const open = jest.fn().mockResolvedValueOnce('first').mockResolvedValueOnce('second');
      const connection = new MemoisedConnection<string>(open);
      await expect(connection.get()).resolves.toBe('first');
      connection.reset();
      expect(connection.isSet).toBe(false);
      await expect(connection.get()).resolves.toBe('second');
    });
  });

  describe('ForwardedListeners', () => {
    it('attaches a listener to the current connection and to every later one', () => {
      const listeners = new ForwardedListeners();
      const seen: string[] = [];
      const current = new EventEmitter();
      listeners.add('error', (error: Error) => seen.push(`now ${error.message}`), current);
      listeners.add('close', () => seen.push('closed'), undefined);
      current.emit('error', new Error('a'));
      current.emit('close');
      const next = new EventEmitter();
      listeners.attachTo(next);
      next.emit('error', new Error('b'));
      next.emit('close');
      expect(seen).toEqual(['now a', 'now b', 'closed']);
    });
  });

  describe('WaitingCalls', () => {
    it('take removes a call only while that same call waits under its id', () => {
      const calls = new WaitingCalls<string, () => void>();
      const first = () => undefined;
      const second = () => undefined;
      calls.set('1', first);
      expect(calls.take('1', second)).toBe(false);
      expect(calls.isWaiting('1', first)).toBe(true);
      expect(calls.take('1', first)).toBe(true);
      expect(calls.take('1', first)).toBe(false);
      expect(calls.get('1')).toBeUndefined();
    });

    it('drain hands out every waiting call once and leaves the table empty', () => {
      const calls = new WaitingCalls<number, string>();
      calls.set(1, 'a');
      calls.set(2, 'b');
      expect(calls.drain()).toEqual(['a', 'b']);
      expect(calls.drain()).toEqual([]);
      expect(calls.get(1)).toBeUndefined();
    });
  });
});
