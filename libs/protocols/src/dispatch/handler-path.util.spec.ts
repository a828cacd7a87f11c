import { isDirectPathAllowed } from './handler-path.util';

describe('isDirectPathAllowed (ORION_HANDLER_PATH)', () => {
  it('should allow the direct path unless nest is asked for, and refuse anything else', () => {
    expect(isDirectPathAllowed({})).toBe(true);
    expect(isDirectPathAllowed({ ORION_HANDLER_PATH: 'direct' })).toBe(true);
    expect(isDirectPathAllowed({ ORION_HANDLER_PATH: 'nest' })).toBe(false);
    expect(() => isDirectPathAllowed({ ORION_HANDLER_PATH: 'fast' })).toThrow("ORION_HANDLER_PATH must be 'direct' or 'nest', not 'fast'");
  });
});
