import { safeStringify, serializeError, toDisplayString } from './safe-json.util';

describe('safeStringify', () => {
  it('should replace a reference back to an ancestor with "[Circular]"', () => {
    const order: Record<string, unknown> = { id: 7 };
    order.self = order;
    order.items = [{ order }];

    expect(JSON.parse(safeStringify(order)!)).toEqual({ id: 7, self: '[Circular]', items: [{ order: '[Circular]' }] });
  });

  it('should write an object referenced twice side by side both times', () => {
    const shared = { a: 1 };

    expect(safeStringify({ left: shared, right: shared })).toBe('{"left":{"a":1},"right":{"a":1}}');
  });

  it('should write BigInt as a string', () => {
    expect(safeStringify({ big: 12345678901234567890n })).toBe('{"big":"12345678901234567890"}');
  });

  it('should write Errors as name, message and stack, with own props and a cyclic cause', () => {
    const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    error.cause = error;

    const parsed = JSON.parse(safeStringify({ error })!);

    expect(parsed.error).toMatchObject({ code: 'E_BOOM', name: 'TypeError', message: 'boom', cause: '[Circular]' });
    expect(parsed.error.stack).toContain('TypeError: boom');
  });

  it('should write Map and Set as an object and an array', () => {
    expect(safeStringify({ m: new Map([['k', 1]]), s: new Set([1, 2]) })).toBe('{"m":{"k":1},"s":[1,2]}');
  });

  it('should return undefined instead of throwing when a getter throws', () => {
    const hostile = {
      get value(): never {
        throw new Error('no');
      },
    };

    expect(safeStringify(hostile)).toBeUndefined();
  });
});

describe('serializeError', () => {
  it('should keep name, message and stack', () => {
    const error = new RangeError('out');

    expect(serializeError(error)).toEqual({ name: 'RangeError', message: 'out', stack: error.stack });
  });
});

describe('toDisplayString', () => {
  it.each([
    ['a string as is', 'plain text', 'plain text'],
    ['a number', 12.4, '12.4'],
    ['null', null, 'null'],
    ['a BigInt', 10n, '10'],
    ['a Date as ISO time', new Date('2026-06-01T19:45:22.123Z'), '2026-06-01T19:45:22.123Z'],
    ['an object as compact JSON', { a: [1, { b: 'c' }] }, '{"a":[1,{"b":"c"}]}'],
    ['a function by name', function handler() {}, '[Function handler]'],
  ])('should print %s', (_name, value, expected) => {
    expect(toDisplayString(value)).toBe(expected);
  });
});
