import { parseLogArguments } from './log-arguments.util';

const STACK = 'Error: boom\n    at handle (orders.ts:10:5)';

describe('parseLogArguments', () => {
  it.each([
    ["log('text')", 'log', ['text'], { message: 'text', context: undefined, fields: {} }],
    ["log('text', 'ctx')", 'log', ['text', 'ctx'], { message: 'text', context: 'ctx', fields: {} }],
    [
      "log({ message, ...fields }, 'ctx')",
      'log',
      [{ message: 'request handled', pattern: 'x', durationMs: 3 }, 'ctx'],
      { message: 'request handled', context: 'ctx', fields: { pattern: 'x', durationMs: 3 } },
    ],
    ['log({ msg, ...fields })', 'log', [{ msg: 'hi', a: 1 }], { message: 'hi', fields: { a: 1 } }],
    ["log('text', { field: 1 }, 'ctx')", 'log', ['text', { field: 1 }, 'ctx'], { message: 'text', context: 'ctx', fields: { field: 1 } }],
    ["warn('text', 3, 'ctx')", 'warn', ['text', 3, 'ctx'], { message: 'text', context: 'ctx', fields: { args: [3] } }],
    ["error('text', stack, 'ctx')", 'error', ['text', STACK, 'ctx'], { message: 'text', context: 'ctx', stack: STACK }],
    ["error('text', stack)", 'error', ['text', STACK], { message: 'text', context: undefined, stack: STACK }],
    ["error('text', 'ctx')", 'error', ['text', 'ctx'], { message: 'text', context: 'ctx', stack: undefined }],
    // Nest's Logger('ctx').error('text') calls error('text', undefined, 'ctx').
    ["error('text', undefined, 'ctx')", 'error', ['text', undefined, 'ctx'], { message: 'text', context: 'ctx', fields: {} }],
    [
      "fatal('text', { id: 1 }, stack)",
      'fatal',
      ['text', { id: 1 }, STACK],
      { message: 'text', context: undefined, fields: { id: 1 }, stack: STACK },
    ],
  ] as const)('should parse %s', (_call, level, args, expected) => {
    expect(parseLogArguments(level, args)).toMatchObject(expected);
  });

  it("should take error(errorInstance, 'ctx') as the error's message plus the error", () => {
    const error = new TypeError('bad input');

    expect(parseLogArguments('error', [error, 'ctx'])).toEqual({
      message: 'bad input',
      context: 'ctx',
      fields: {},
      stack: undefined,
      error,
    });
  });

  it('should keep a trailing string of log() as the context, never as a stack', () => {
    expect(parseLogArguments('log', ['text', STACK])).toMatchObject({ context: STACK, stack: undefined });
  });

  it('should print non-string messages as text', () => {
    expect(parseLogArguments('log', [[1, 2]]).message).toBe('[1,2]');
    expect(parseLogArguments('log', [42]).message).toBe('42');
    expect(parseLogArguments('log', [{ only: 'fields' }])).toMatchObject({ message: '', fields: { only: 'fields' } });
  });
});
