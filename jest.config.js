// One jest config for the monorepo. Module mapping is derived from tsconfig paths
// so a new lib needs no edit here. Nest 12 and aedes ship ESM only and jest on
// Node 20 cannot require() ESM, so swc transforms those packages to CommonJS too.
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  const from = '^' + alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\*', '(.*)') + '$';
  moduleNameMapper[from] = '<rootDir>/' + target.replace(/^\.\//, '').replace('*', '$1');
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  rootDir: __dirname,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|aedes|aedes-[a-z-]+|hyperid|mqemitter|fastfall|reusify)/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup/fail-on-unhandled.js'],
};

module.exports = {
  testTimeout: 30000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    // The protocol, middleware, error and bad-input suites again with every endpoint on
    // Nest's pipeline (ORION_HANDLER_PATH=nest): both handler paths must behave the same.
    {
      ...shared,
      displayName: 'e2e-nest-path',
      testMatch: [
        'echo-protocols',
        'echo-udp',
        'conventions-middleware',
        'conventions-validation',
        'bad-input-tcp',
        'bad-input-ws',
        'bad-input-mqtt',
        'bad-input-grpc',
        'hostile-deadlines',
        'hostile-overload',
        'hostile-udp',
        'hostile-mqtt',
        'metrics-http-tcp',
        'handler-paths',
        'tracing',
      ].map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
      setupFiles: [...shared.setupFiles, '<rootDir>/test/setup/nest-handler-path.js'],
    },
  ],
};
