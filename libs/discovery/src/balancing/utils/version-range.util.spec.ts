import { InvalidVersionRoutingError } from '../errors/invalid-version-routing.error';
import { assertVersionRouting, findVersionPin, isVersionInRange, parseVersionRange } from './version-range.util';

describe('version-range.util', () => {
  describe(parseVersionRange, () => {
    it.each(['^2.0.0', '2.0.x', '>=2.0.0 <2.1.0', '2.1.x || ^3', '*', '~2.1'])('should accept %j', (range) => {
      expect(parseVersionRange(range)).toBeDefined();
    });

    it.each(['', '   ', 'banana', 'latest', '1.2.3.4', undefined, 2, null])('should reject %j', (range) => {
      expect(parseVersionRange(range)).toBeUndefined();
    });
  });

  describe(isVersionInRange, () => {
    it.each([
      ['2.0.1', '^2.0.0', true],
      ['2.1.0', '2.0.x', false],
      ['1.9.9', '^2.0.0', false],
      ['2.1.0-canary.1', '2.1.x', true],
      ['v2.0.0', '2.0.x', true],
      ['', '*', false],
      ['banana', '*', false],
      [undefined, '*', false],
    ])('should place version %j in range %j: %j', (version, range, expected) => {
      expect(isVersionInRange(version, parseVersionRange(range)!)).toBe(expected);
    });
  });

  describe(findVersionPin, () => {
    it.each([
      ['orders@2.1.x', 'orders', '2.1.x'],
      ['orders@2.1.x, inventory@^3', 'inventory', '^3'],
      [' inventory @ >=3.0.0 <3.2.0 ,orders@2.1.x', 'inventory', '>=3.0.0 <3.2.0'],
      ['orders@2.1.x', 'inventory', undefined],
      ['ordersx@2.1.x,xorders@1', 'orders', undefined],
      ['garbage, ,@1, orders@', 'orders', ''],
      ['', 'orders', undefined],
      [undefined, 'orders', undefined],
    ])('should read %j for %s as %j', (header, service, expected) => {
      expect(findVersionPin(header, service)).toBe(expected);
    });
  });

  describe(assertVersionRouting, () => {
    it('should accept a range, a split, or both', () => {
      expect(() => assertVersionRouting({}, 'x')).not.toThrow();
      expect(() =>
        assertVersionRouting(
          {
            version: '^2.0.0',
            versionSplit: [
              { version: '2.0.x', weight: 90 },
              { version: '2.1.x', weight: 0 },
            ],
          },
          'x',
        ),
      ).not.toThrow();
    });

    it.each([
      [{ version: 'banana' }, 'version', '"banana"'],
      [{ version: '' }, 'version', '""'],
      [{ versionSplit: [] }, 'versionSplit', '[]'],
      [
        {
          versionSplit: [
            { version: '2.x', weight: 1 },
            { version: 'nope', weight: 1 },
          ],
        },
        'versionSplit[1].version',
        '"nope"',
      ],
      [{ versionSplit: [{ version: '2.x', weight: -1 }] }, 'versionSplit[0].weight', '-1'],
      [{ versionSplit: [{ version: '2.x', weight: Number.NaN }] }, 'versionSplit[0].weight', 'NaN'],
      [{ versionSplit: [{ version: '2.x', weight: Infinity }] }, 'versionSplit[0].weight', 'Infinity'],
      [{ versionSplit: [{ version: '2.x', weight: '9' }] }, 'versionSplit[0].weight', '"9"'],
      [
        {
          versionSplit: [
            { version: '2.x', weight: 0 },
            { version: '3.x', weight: 0 },
          ],
        },
        'versionSplit',
        '[0,0]',
      ],
      [{ versionSplit: [null] }, 'versionSplit[0]', 'null'],
    ])('should reject %j naming the option and the value', (options, option, shown) => {
      let error: unknown;
      try {
        assertVersionRouting(options as never, "BalancedClientsModule 'orders'");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidVersionRoutingError);
      expect((error as InvalidVersionRoutingError).option).toBe(option);
      expect((error as Error).message).toContain(`'${option}'`);
      expect((error as Error).message).toContain(shown);
      expect((error as Error).message).toContain("BalancedClientsModule 'orders'");
    });
  });
});
