// Two projects: `unit` (pure logic, fast, no engine) and `integration`
// (runs dist/index.js as a runner would, against a real engine and registries).
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: {'^.+\\.ts$': ['ts-jest', {tsconfig: 'tsconfig.json'}]}
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
