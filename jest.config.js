// Two projects: `unit` (pure logic, fast, no engine) and `integration`
// (runs dist/index.js as a runner would, against a real engine and registries).
const {compilerOptions: tsconfig} = require('./tsconfig.json')
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // The bundle keeps import() so that ncc splits the cloud SDKs into chunks loaded on demand
  // (tsconfig: module node16); under jest the sources run as CommonJS, so import() becomes require.
  // isolatedModules: each file is transpiled alone, without type checking (tsc --noEmit, run by
  // `npm run build` and so by test:all, checks the types once for every file)
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {tsconfig: {...tsconfig, module: 'commonjs', moduleResolution: 'node', isolatedModules: true}}
    ]
  },
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'}
}
module.exports = {
  projects: [
    {...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts']},
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/support/integration-setup.ts']
    }
  ]
}
