// Lets child processes of the e2e suites run the TypeScript sources directly: `node -r
// ./test/harness/register-ts.js file.ts`. Compiles .ts with swc (decorator metadata on, as
// Nest needs) and resolves the @orion/* aliases of tsconfig.json. Test-only.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const { compilerOptions } = require(path.join(root, 'tsconfig.json'));
const aliases = Object.entries(compilerOptions.paths).map(([alias, [target]]) => ({
  prefix: alias.replace(/\*$/, ''),
  isWildcard: alias.endsWith('*'),
  target: path.join(root, target),
}));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  for (const { prefix, isWildcard, target } of aliases) {
    if (isWildcard ? request.startsWith(prefix) : request === prefix) {
      request = isWildcard ? target.replace('*', request.slice(prefix.length)) : target;
      break;
    }
  }
  return resolveFilename.call(this, request, ...rest);
};

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
