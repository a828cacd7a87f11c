import { createLoggerFromEnv } from './create-logger-from-env.util';
import { InvalidLoggingOptionError } from './invalid-logging-option.error';

const capture = () => {
  const chunks: string[] = [];
  return { chunks, isTTY: true, write: (chunk: string) => chunks.push(chunk) };
};

describe('createLoggerFromEnv', () => {
  it('should read LOG_FORMAT and LOG_LEVEL', () => {
    const stream = capture();

    const logger = createLoggerFromEnv({ LOG_FORMAT: 'json', LOG_LEVEL: 'warn' }, { stream });
    logger.log('dropped');
    logger.warn('kept', 'ctx');

    expect(logger.format).toBe('json');
    expect(stream.chunks.map((chunk) => JSON.parse(chunk))).toEqual([
      expect.objectContaining({ level: 'warn', context: 'ctx', message: 'kept' }),
    ]);
  });

  it('should default to the tree form at the log level', () => {
    const stream = capture();

    const logger = createLoggerFromEnv({ NO_COLOR: '1' }, { stream });
    logger.debug('dropped');
    logger.log('kept');

    expect(logger.format).toBe('tree');
    // NO_COLOR wins over the TTY stream.
    expect(stream.chunks).toEqual([expect.stringMatching(/^\[.+\] INFO \| kept\n$/)]);
  });

  it('should throw on an unknown LOG_FORMAT or LOG_LEVEL', () => {
    expect(() => createLoggerFromEnv({ LOG_FORMAT: 'yaml' })).toThrow(InvalidLoggingOptionError);
    expect(() => createLoggerFromEnv({ LOG_LEVEL: 'everything' })).toThrow(/Valid values: .*"info"/);
  });
});
