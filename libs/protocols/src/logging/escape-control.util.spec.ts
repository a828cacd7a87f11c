import { escapeControlChars } from './escape-control.util';

describe('escapeControlChars', () => {
  it('should write terminal escapes, carriage returns and bidi controls as visible text', () => {
    expect(escapeControlChars('shop/\u001b[2J\u001b[31mx\r\n/orders')).toBe('shop/\\x1b[2J\\x1b[31mx\\x0d\\x0a/orders');
    expect(escapeControlChars('a\u0000b\u007fc\u009bd')).toBe('a\\x00b\\x7fc\\x9bd');
    expect(escapeControlChars('evil\u202etxt.exe')).toBe('evil\\u202etxt.exe');
  });

  it('should keep newlines and tabs when asked, and plain text as is', () => {
    expect(escapeControlChars('line 1\n\tline 2\u001b', true)).toBe('line 1\n\tline 2\\x1b');
    expect(escapeControlChars('orders.create / émoji ✓')).toBe('orders.create / émoji ✓');
  });
});
