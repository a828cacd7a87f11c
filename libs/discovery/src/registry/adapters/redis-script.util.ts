import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script with its SHA-1, run with EVALSHA and loaded on demand. */
export interface RedisScript {
  readonly lua: string;
  readonly sha: string;
}

export function redisScript(lua: string): RedisScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` atomically on the server: EVALSHA, falling back to EVAL when the server
 * does not know the script (first use, or after a restart that emptied its script cache).
 */
export async function runRedisScript<T>(
  client: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<T> {
  try {
    return (await client.evalsha(script.sha, keys.length, ...keys, ...args)) as T;
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return (await client.eval(script.lua, keys.length, ...keys, ...args)) as T;
  }
}
