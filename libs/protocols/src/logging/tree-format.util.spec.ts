import { formatTreeRecord } from './tree-format.util';
import type { LogRecord } from './log-record.interface';

const TIME = new Date('2026-06-01T19:45:22.123Z');

const record = (overrides: Partial<LogRecord> = {}): LogRecord => ({
  time: TIME,
  level: 'log',
  context: 'orders.http',
  message: 'request handled',
  fields: {},
  ...overrides,
});

describe('formatTreeRecord', () => {
  it('should print the header and one branch per field, the last with └──', () => {
    const text = formatTreeRecord(record({ fields: { pattern: 'orders.create', durationMs: 12.4, correlationId: '5f2c' } }));

    expect(text).toBe(
      [
        '[2026-06-01T19:45:22.123Z] INFO | orders.http | request handled',
        '├── pattern: orders.create',
        '├── durationMs: 12.4',
        '└── correlationId: 5f2c',
      ].join('\n'),
    );
  });

  it('should use └── alone for a single field and no branch without fields', () => {
    expect(formatTreeRecord(record({ fields: { id: 1 } })).split('\n')[1]).toBe('└── id: 1');
    expect(formatTreeRecord(record())).toBe('[2026-06-01T19:45:22.123Z] INFO | orders.http | request handled');
  });

  it('should leave the context out of the header when there is none', () => {
    expect(formatTreeRecord(record({ context: undefined, level: 'warn' }))).toBe('[2026-06-01T19:45:22.123Z] WARN | request handled');
  });

  it.each([
    ['error', 'ERROR'],
    ['warn', 'WARN'],
    ['debug', 'DEBUG'],
    ['verbose', 'VERBOSE'],
    ['fatal', 'FATAL'],
  ] as const)('should print the %s level as %s', (level, label) => {
    expect(formatTreeRecord(record({ level }))).toContain(`] ${label} | `);
  });

  it('should print nested objects and arrays as compact JSON and skip undefined fields', () => {
    const text = formatTreeRecord(record({ fields: { user: { id: 7, roles: ['a'] }, tags: [1, 2], gone: undefined } }));

    expect(text.split('\n').slice(1)).toEqual(['├── user: {"id":7,"roles":["a"]}', '└── tags: [1,2]']);
  });

  it('should print a multi-line stack last, its continuation lines under "│   "', () => {
    const stack = 'Error: boom\n    at handle (orders.ts:10:5)\n    at run (main.ts:3:1)';

    const text = formatTreeRecord(record({ level: 'error', message: 'boom', fields: { orderId: 7 }, stack }));

    expect(text).toBe(
      [
        '[2026-06-01T19:45:22.123Z] ERROR | orders.http | boom',
        '├── orderId: 7',
        '└── stack: Error: boom',
        '│       at handle (orders.ts:10:5)',
        '│       at run (main.ts:3:1)',
      ].join('\n'),
    );
  });

  it("should print an Error's stack as the stack field", () => {
    const error = new TypeError('bad input');

    const lines = formatTreeRecord(record({ level: 'error', message: 'bad input', error })).split('\n');

    expect(lines[1]).toBe('└── stack: TypeError: bad input');
    expect(lines.slice(2).every((line) => line.startsWith('│   '))).toBe(true);
  });

  it('should add ANSI colors only when asked', () => {
    const ESC = String.fromCharCode(27);
    expect(formatTreeRecord(record({ fields: { a: 1 } }), true)).toContain(`${ESC}[32mINFO${ESC}[0m`);
    expect(formatTreeRecord(record({ fields: { a: 1 } }), false)).not.toContain(ESC);
  });
});
