/** Topic filter shape: levels of safe characters, `+` as a whole level, `#` as the whole last level. */
const LEVEL = /^(?:\+|#|[A-Za-z0-9_.:-]+)$/;

/** The levels of a valid MQTT topic filter, or undefined when it is not one. */
export function parseTopicFilter(filter: string): string[] | undefined {
  if (filter.length === 0 || filter.length > 200) return undefined;
  const levels = filter.split('/');
  const isValid = levels.every((level, i) => LEVEL.test(level) && (level !== '#' || i === levels.length - 1));
  return isValid ? levels : undefined;
}

/** The `+` levels and then the `#` remainder of `topic` under `levels`, or undefined when it does not match. */
export function matchTopicFilter(levels: readonly string[], topic: string): string[] | undefined {
  const parts = topic.split('/');
  const captures: string[] = [];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') {
      captures.push(parts.slice(i).join('/'));
      return captures;
    }
    if (i >= parts.length) return undefined;
    if (level === '+') captures.push(parts[i]);
    else if (level !== parts[i]) return undefined;
  }
  return parts.length === levels.length ? captures : undefined;
}

/**
 * Matches `topic`, or the topic without the instance prefix it may carry
 * (`<instanceTopicBase>/<pattern>`, where a balanced client addresses one instance): the
 * topic itself is tried first, then ever shorter tails. Returns the matched topic and its captures.
 */
export function matchTopicTail(levels: readonly string[], topic: string): { topic: string; captures: string[] } | undefined {
  const parts = topic.split('/');
  for (let start = 0; start < parts.length; start++) {
    const tail = start === 0 ? topic : parts.slice(start).join('/');
    const captures = matchTopicFilter(levels, tail);
    if (captures) return { topic: tail, captures };
  }
  return undefined;
}
