/**
 * C0 and C1 control characters, DEL, and the Unicode bidi controls: a topic or pattern
 * carrying them could clear the terminal, recolour or rewrite earlier lines, or make a log
 * line read backwards. Newline and tab are matched too; `escapeControlChars` keeps them
 * when asked (the tree format indents continuation lines itself).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as a visible escape (`\x1b`, `\u202e`), so
 * that what a peer sends (an MQTT topic, a pattern, a header) reaches a console as text.
 * `keepNewlines` keeps `\n` and `\t` for multi-line messages and stacks.
 */
export function escapeControlChars(text: string, keepNewlines = false): string {
  return text.replace(CONTROL, (char) => (keepNewlines && (char === '\n' || char === '\t') ? char : escapeOne(char)));
}
