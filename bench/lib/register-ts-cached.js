// test/harness/register-ts.js (TypeScript through swc, @orion/* aliases) plus an on-disk
// cache of swc's output, for the benchmark's child processes: a scenario starts several
// Nest apps, and each would otherwise compile the same few hundred files again, which on a
// small machine costs seconds of CPU per process. Keyed by the source text and the exact
// swc options register-ts.js passes, so a changed file or option simply misses the cache.
// Bench-only; lives in the OS temp directory.
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const swc = require('@swc/core');

const cacheDir = join(tmpdir(), `orion-bench-swc-cache-${process.getuid ? process.getuid() : 'user'}`);
mkdirSync(cacheDir, { recursive: true });
const swcVersion = require('@swc/core/package.json').version;
const transformSync = swc.transformSync;

swc.transformSync = function cachedTransformSync(source, options) {
  if (typeof source !== 'string') return transformSync.call(this, source, options);
  const key = createHash('sha1').update(swcVersion).update('\0').update(JSON.stringify(options)).update('\0').update(source).digest('hex');
  const file = join(cacheDir, `${key}.js`);
  try {
    return { code: readFileSync(file, 'utf8') };
  } catch {
    // not cached yet
  }
  const output = transformSync.call(this, source, options);
  try {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, output.code);
    renameSync(temp, file);
  } catch {
    // a cache that cannot be written only costs time
  }
  return output;
};

require('../../test/harness/register-ts.js');
