import { formatJsonRecord } from './json-format.util';
import type { LogRecord } from './log-record.interface';

const record = (overrides: Partial<LogRecord> = {}): LogRecord => ({
  time: new Date('2026-06-01T19:45:22.123Z'),
  level: 'log',
  context: 'orders.http',
  message: 'request handled',
  fields: {},
  ...overrides,
});

describe('formatJsonRecord', () => {
  it('should write one line with time, level, context and message first, then the fields', () => {
    const line = formatJsonRecord(record({ fields: { pattern: 'orders.create', durationMs: 12.4 } }));

    expect(line).not.toContain('\n');
    expect(line).toBe(
      '{"time":"2026-06-01T19:45:22.123Z","level":"info","context":"orders.http","message":"request handled","pattern":"orders.create","durationMs":12.4}',
    );
  });

  it('should write an Error as {name, message, stack} and a stack string as stack', () => {
    const error = new TypeError('bad input');

    const parsed = JSON.parse(formatJsonRecord(record({ level: 'error', error, stack: 'at x' })));

    expect(parsed).toMatchObject({ level: 'error', error: { name: 'TypeError', message: 'bad input' }, stack: 'at x' });
    expect(parsed.error.stack).toContain('TypeError: bad input');
  });

  it('should not throw on circular fields or BigInt', () => {
    const payload: Record<string, unknown> = { n: 1n };
    payload.self = payload;

    const parsed = JSON.parse(formatJsonRecord(record({ fields: { payload } })));

    expect(parsed.payload).toEqual({ n: '1', self: '[Circular]' });
  });

  it('should keep a field named like a record key as field.<name>', () => {
    const parsed = JSON.parse(formatJsonRecord(record({ fields: { level: 'custom', message: 'other' } })));

    expect(parsed).toMatchObject({ level: 'info', message: 'request handled', 'field.level': 'custom', 'field.message': 'other' });
  });

  it('should keep the entry when a field cannot be serialized at all', () => {
    const hostile = {
      toJSON(): never {
        throw new Error('no');
      },
    };

    expect(JSON.parse(formatJsonRecord(record({ fields: { hostile } })))).toMatchObject({
      message: 'request handled',
      fields: '[Unserializable]',
    });
  });
});
