#!/usr/bin/env node
// `npm run pack`: builds both packages and leaves their tarballs in dist/packages/
// (gitignored), ready for `npm install <tarball>` in another app.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, rmSync, copyFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'packages');
execFileSync(process.execPath, [join(__dirname, 'build-libs.js')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const lib of ['protocols', 'discovery']) {
  const dir = join(root, 'libs', lib);
  // The root LICENSE is the one source of truth; each package ships a copy.
  copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['pack', dir, '--pack-destination', out, '--silent'], { stdio: 'inherit', cwd: root });
}
console.log(`pack: tarballs in ${out}`);
