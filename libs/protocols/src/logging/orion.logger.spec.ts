import { InvalidLoggingOptionError } from './invalid-logging-option.error';
import { OrionLogger } from './orion.logger';
import type { OrionLoggerOptions } from './orion-logger.options';

const TIME = '2026-06-01T19:45:22.123Z';

const setup = (options: OrionLoggerOptions = {}) => {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => chunks.push(chunk) };
  const logger = new OrionLogger({ format: 'tree', clock: () => new Date(TIME), stream, ...options });
  return { logger, chunks, stream };
};

describe('OrionLogger', () => {
  const savedFormat = process.env.LOG_FORMAT;
  afterEach(() => {
    if (savedFormat === undefined) delete process.env.LOG_FORMAT;
    else process.env.LOG_FORMAT = savedFormat;
    jest.restoreAllMocks();
  });

  describe('constructor', () => {
    it('should default to the tree form when LOG_FORMAT is unset', () => {
      delete process.env.LOG_FORMAT;
      expect(new OrionLogger().format).toBe('tree');
    });

    it('should take the form from LOG_FORMAT, and let options.format win', () => {
      process.env.LOG_FORMAT = 'json';
      expect(new OrionLogger().format).toBe('json');
      expect(new OrionLogger({ format: 'tree' }).format).toBe('tree');
    });

    it('should throw a clear error on an unknown LOG_FORMAT', () => {
      process.env.LOG_FORMAT = 'pretty';
      expect(() => new OrionLogger()).toThrow(InvalidLoggingOptionError);
      expect(() => new OrionLogger()).toThrow('Valid values: "tree", "json"');
    });
  });

  describe('log', () => {
    it('should write the exact tree entry for an object message', () => {
      const { logger, chunks } = setup();

      logger.log({ message: 'request handled', pattern: 'orders.create', durationMs: 12.4, correlationId: '5f2c' }, 'orders.http');

      expect(chunks.join('')).toBe(
        `[${TIME}] INFO | orders.http | request handled\n` +
          '├── pattern: orders.create\n' +
          '├── durationMs: 12.4\n' +
          '└── correlationId: 5f2c\n',
      );
    });

    it('should write one JSON line holding the fields', () => {
      const { logger, chunks } = setup({ format: 'json' });

      logger.log('request handled', { pattern: 'orders.create', durationMs: 12.4 }, 'orders.http');

      expect(chunks).toHaveLength(1);
      expect(chunks[0].endsWith('\n')).toBe(true);
      expect(JSON.parse(chunks[0])).toEqual({
        time: TIME,
        level: 'info',
        context: 'orders.http',
        message: 'request handled',
        pattern: 'orders.create',
        durationMs: 12.4,
      });
    });

    it('should use the default context when the call names none', () => {
      const { logger, chunks } = setup({ context: 'app' });

      logger.log('ready');
      logger.log('ready', 'other');

      expect(chunks).toEqual([`[${TIME}] INFO | app | ready\n`, `[${TIME}] INFO | other | ready\n`]);
    });

    it('should not throw on circular fields in either form', () => {
      const loop: Record<string, unknown> = { big: 1n };
      loop.self = loop;
      const [json, tree] = [setup({ format: 'json' }), setup()];

      json.logger.log('cycle', { loop });
      tree.logger.log('cycle', { loop });

      expect(JSON.parse(json.chunks[0]).loop).toEqual({ big: '1', self: '[Circular]' });
      expect(tree.chunks[0]).toContain('└── loop: {"big":"1","self":"[Circular]"}');
    });
  });

  describe('error', () => {
    it('should write error(message, stack, context) with the stack as a field', () => {
      const { logger, chunks } = setup();

      logger.error('boom', 'Error: boom\n    at run (main.ts:3:1)', 'orders');

      expect(chunks.join('')).toBe(`[${TIME}] ERROR | orders | boom\n└── stack: Error: boom\n│       at run (main.ts:3:1)\n`);
    });

    it('should write error(errorInstance, context) as {name, message, stack} in JSON', () => {
      const { logger, chunks } = setup({ format: 'json' });

      logger.error(new RangeError('out of range'), 'orders');

      expect(JSON.parse(chunks[0])).toMatchObject({
        level: 'error',
        context: 'orders',
        message: 'out of range',
        error: { name: 'RangeError', message: 'out of range', stack: expect.stringContaining('RangeError') },
      });
    });

    it('should go to process.stderr, and other levels to process.stdout, without a stream', () => {
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const logger = new OrionLogger({ format: 'json' });

      logger.error('bad');
      logger.fatal('worse');
      logger.warn('hmm');

      expect(stderr).toHaveBeenCalledTimes(2);
      expect(stdout).toHaveBeenCalledTimes(1);
    });
  });

  describe('setLogLevels', () => {
    it('should drop debug and verbose at the default level', () => {
      const { logger, chunks } = setup();

      logger.verbose('v');
      logger.debug('d');
      logger.log('l');

      expect(chunks).toEqual([`[${TIME}] INFO | l\n`]);
    });

    it('should honor the level option as a minimum', () => {
      const { logger, chunks } = setup({ level: 'error' });

      logger.warn('w');
      logger.error('e');
      logger.fatal('f');

      expect(chunks.map((chunk) => chunk.split(' ')[1])).toEqual(['ERROR', 'FATAL']);
    });

    it("should follow Nest's meaning: listed levels and every level above the highest", () => {
      const { logger } = setup();

      logger.setLogLevels(['debug', 'warn']);

      const levels = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'] as const;
      expect(levels.filter((level) => logger.isLevelEnabled(level))).toEqual(['debug', 'warn', 'error', 'fatal']);
      logger.setLogLevels([]);
      expect(logger.isLevelEnabled('fatal')).toBe(false);
    });
  });

  describe('child', () => {
    it('should write with its own context and share the parent levels', () => {
      const { logger, chunks } = setup({ format: 'json' });
      const child = logger.child('orders.http');

      child.log('handled', { id: 1 });
      logger.setLogLevels(['error']);
      child.log('dropped');

      expect(chunks.map((chunk) => JSON.parse(chunk))).toEqual([
        expect.objectContaining({ context: 'orders.http', message: 'handled', id: 1 }),
      ]);
    });
  });

  describe('colors', () => {
    const ESC = String.fromCharCode(27);
    const savedNoColor = process.env.NO_COLOR;
    afterEach(() => {
      if (savedNoColor === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = savedNoColor;
    });
    const firstEntry = (options: OrionLoggerOptions): string => {
      const chunks: string[] = [];
      new OrionLogger({ format: 'tree', stream: { isTTY: true, write: (chunk) => chunks.push(chunk) }, ...options }).log('x');
      return chunks[0];
    };

    it('should color a TTY stream unless NO_COLOR is set or colors is false', () => {
      delete process.env.NO_COLOR;
      expect(firstEntry({})).toContain(ESC);
      expect(firstEntry({ colors: false })).not.toContain(ESC);
      process.env.NO_COLOR = '1';
      expect(firstEntry({})).not.toContain(ESC);
      expect(firstEntry({ colors: true })).toContain(ESC);
    });
  });
});
