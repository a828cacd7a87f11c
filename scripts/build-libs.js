#!/usr/bin/env node
// Builds the two publishable packages with plain tsc (not `nest build`, whose path-alias
// hook would rewrite `@orion/protocols` into a relative path to the other lib's dist).
// Each lib compiles from its own rootDir; discovery sees @orion/protocols through the
// built declarations, so its output imports the package by name.
'use strict';
const { execFileSync } = require('node:child_process');
const { rmSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');

for (const lib of ['protocols', 'discovery']) {
  const dir = join(root, 'libs', lib);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.lib.json')], { stdio: 'inherit', cwd: root });
}

// A package must not reach into another package's files: fail the build if it does.
const offenders = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    else if (/\.(js|d\.ts)$/.test(name) && /["'](\.\.\/)+(protocols|discovery)\/(dist|src)\b/.test(readFileSync(file, 'utf8')))
      offenders.push(file);
  }
};
walk(join(root, 'libs', 'discovery', 'dist'));
walk(join(root, 'libs', 'protocols', 'dist'));
if (offenders.length > 0) {
  console.error(`build-libs: these files import another lib by relative path:\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
