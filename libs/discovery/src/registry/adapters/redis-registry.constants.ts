import { redisScript } from './redis-script.util';

/**
 * Keys and channels of the Redis registry under a prefix `p` (see docs/registry.md):
 *
 * - `p:instance:<service>:<id>` HASH `owner`, `ttl`, `instance` (JSON without timestamps),
 *   `registeredAt`, `renewedAt`; PEXPIREd `ttl` ms after every register/heartbeat.
 * - `p:instances:<service>` ZSET id -> expiry (server epoch ms): the index `list()` reads.
 * - `p:services` SET of service names that may have live entries.
 * - `p:changes:<service>` channel: an instance id is published on every visible write.
 */
export const redisRegistryKeys = {
  instance: (p: string, service: string, id: string): string => `${p}:instance:${service}:${id}`,
  instancePrefix: (p: string, service: string): string => `${p}:instance:${service}:`,
  index: (p: string, service: string): string => `${p}:instances:${service}`,
  indexPrefix: (p: string): string => `${p}:instances:`,
  services: (p: string): string => `${p}:services`,
  changes: (p: string, service: string): string => `${p}:changes:${service}`,
};

/** Server time in epoch ms. Redis 7 replicates script effects, so TIME is allowed in writes. */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: entry, index, services. ARGV: owner, ttl, instance JSON, service, id, channel.
 * Returns the server time it stamped, or -1 when another owner holds a live entry (an
 * expired key reads as absent, so expiry never blocks a new owner).
 */
export const REDIS_REGISTER_SCRIPT = redisScript(`
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return -1 end
${NOW}
local ttl = tonumber(ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'ttl', ARGV[2], 'instance', ARGV[3], 'registeredAt', now, 'renewedAt', now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[5])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('PUBLISH', ARGV[6], ARGV[5])
return now`);

/**
 * KEYS: entry, index. ARGV: owner, instance JSON, id, channel. Renews a live entry of this
 * owner and publishes only if the instance JSON changed. Returns the server time, or -1.
 */
export const REDIS_HEARTBEAT_SCRIPT = redisScript(`
local rec = redis.call('HMGET', KEYS[1], 'owner', 'ttl', 'instance')
if rec[1] ~= ARGV[1] then return -1 end
${NOW}
local ttl = tonumber(rec[2])
if rec[3] ~= ARGV[2] then
  redis.call('HSET', KEYS[1], 'instance', ARGV[2], 'renewedAt', now)
  redis.call('PUBLISH', ARGV[4], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'renewedAt', now)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
return now`);

/** KEYS: entry, index. ARGV: owner, id, channel. Deletes the entry only if this owner holds it. */
export const REDIS_DEREGISTER_SCRIPT = redisScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1`);

/**
 * KEYS: index. ARGV: entry key prefix of the service. One atomic snapshot: the server time,
 * then per live entry (sorted by id) its id, instance JSON, registeredAt, renewedAt, expiry.
 */
export const REDIS_LIST_SCRIPT = redisScript(`
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = { now }
for i = 1, #ids, 2 do
  local rec = redis.call('HMGET', ARGV[1] .. ids[i], 'instance', 'registeredAt', 'renewedAt')
  if rec[1] then
    out[#out + 1] = ids[i]
    out[#out + 1] = rec[1]
    out[#out + 1] = rec[2]
    out[#out + 1] = rec[3]
    out[#out + 1] = ids[i + 1]
  end
end
return out`);

/** KEYS: services. ARGV: index key prefix. Names with a live entry; forgets the others. */
export const REDIS_SERVICES_SCRIPT = redisScript(`
${NOW}
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local index = ARGV[1] .. name
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  if redis.call('ZCARD', index) > 0 then out[#out + 1] = name else redis.call('SREM', KEYS[1], name) end
end
return out`);
