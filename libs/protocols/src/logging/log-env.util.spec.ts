import { InvalidLoggingOptionError } from './invalid-logging-option.error';
import { resolveLogFormat, resolveLogLevel } from './log-env.util';

describe('resolveLogFormat', () => {
  it.each([
    [undefined, 'tree'],
    ['', 'tree'],
    ['  ', 'tree'],
    ['tree', 'tree'],
    ['json', 'json'],
    [' json ', 'json'],
  ])('should resolve %p to %p', (value, expected) => {
    expect(resolveLogFormat(value)).toBe(expected);
  });

  it('should throw a clear error naming the valid values', () => {
    expect(() => resolveLogFormat('xml')).toThrow(InvalidLoggingOptionError);
    expect(() => resolveLogFormat('xml')).toThrow('Invalid log format "xml" (from LOG_FORMAT). Valid values: "tree", "json".');
  });
});

describe('resolveLogLevel', () => {
  it.each([
    [undefined, 'log'],
    ['', 'log'],
    ['debug', 'debug'],
    ['info', 'log'],
    ['fatal', 'fatal'],
  ])('should resolve %p to %p', (value, expected) => {
    expect(resolveLogLevel(value)).toBe(expected);
  });

  it('should throw a clear error naming the valid values', () => {
    expect(() => resolveLogLevel('loud', 'options.level')).toThrow(
      'Invalid log level "loud" (from options.level). Valid values: "verbose", "debug", "log", "warn", "error", "fatal", "info".',
    );
  });
});
