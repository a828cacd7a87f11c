import { redisScript } from '../../registry/adapters/redis-script.util';

/**
 * Keys and channels of Redis leader election under a prefix `p` (see docs/registry.md):
 *
 * - `p:leader:<group>` HASH `owner`, `leaderId`, `token`, `acquiredAt`, `expiresAt`, `ttl`
 *   of the current term; PEXPIREd `ttl` ms after each grant or renewal (server clock).
 * - `p:leader-token:<group>` STRING, the last fencing token granted (no expiry).
 * - `p:leader-changes:<group>` channel: published on every grant and resign.
 */
export const redisLeaderKeys = {
  holder: (p: string, group: string): string => `${p}:leader:${group}`,
  token: (p: string, group: string): string => `${p}:leader-token:${group}`,
  changes: (p: string, group: string): string => `${p}:leader-changes:${group}`,
};

/**
 * KEYS: holder, token. ARGV: owner, leaderId, ttl, expiresAt, acquiredAt, floor, channel.
 * Returns `{ token, acquiredAt, outcome }`: outcome 1 = new term, 0 = the caller's live
 * term renewed, -1 = held by someone else (token is theirs).
 *
 * The new token is `max(last + 1, server time in ms, floor + 1)`: strictly increasing, and
 * still above every earlier token after the server lost its data (restart without
 * persistence), as long as its clock did not step back across the outage. `floor` is the
 * highest token the caller has seen, a second guard against such a reset.
 */
export const REDIS_CAMPAIGN_SCRIPT = redisScript(`
local h = redis.call('HMGET', KEYS[1], 'owner', 'leaderId', 'token', 'acquiredAt')
if h[1] then
  if h[1] == ARGV[1] and h[2] == ARGV[2] then
    redis.call('HSET', KEYS[1], 'expiresAt', ARGV[4], 'ttl', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return { h[3], h[4], 0 }
  end
  return { h[3], h[4], -1 }
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, now, tonumber(ARGV[6]) + 1)
redis.call('SET', KEYS[2], token)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'leaderId', ARGV[2], 'token', token, 'acquiredAt', ARGV[5], 'expiresAt', ARGV[4], 'ttl', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[7], token)
return { token, ARGV[5], 1 }`);

/** KEYS: holder. ARGV: owner, leaderId, token, ttl, expiresAt. Compare-and-extend: 1, or 0 if not the current term. */
export const REDIS_RENEW_SCRIPT = redisScript(`
local h = redis.call('HMGET', KEYS[1], 'owner', 'leaderId', 'token')
if h[1] ~= ARGV[1] or h[2] ~= ARGV[2] or h[3] ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`);

/** KEYS: holder. ARGV: owner, leaderId, token, channel. Compare-and-delete: 1, or 0 if not the current term. */
export const REDIS_RESIGN_SCRIPT = redisScript(`
local h = redis.call('HMGET', KEYS[1], 'owner', 'leaderId', 'token')
if h[1] ~= ARGV[1] or h[2] ~= ARGV[2] or h[3] ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1`);

/** KEYS: holder. The live holder as `{ leaderId, token, expiresAt, pttl }`, or an empty array. */
export const REDIS_CURRENT_SCRIPT = redisScript(`
local h = redis.call('HMGET', KEYS[1], 'leaderId', 'token', 'expiresAt')
if not h[1] then return {} end
return { h[1], h[2], h[3], redis.call('PTTL', KEYS[1]) }`);
