// One jest run covers every workspace: unit specs next to the code (src/**/*.spec.ts) and
// integration / end-to-end suites under each workspace's test/ folder.
const fs = require('fs');
const path = require('path');

// Workspaces resolve to their TypeScript sources, so tests never depend on a previous build.
const moduleNameMapper = {};
for (const kind of ['packages', 'apps']) {
  for (const name of fs.readdirSync(path.join(__dirname, kind))) {
    if (fs.existsSync(path.join(__dirname, kind, name, 'src', 'index.ts'))) {
      moduleNameMapper[`^@lap/${name}$`] = `<rootDir>/${kind}/${name}/src/index.ts`;
    }
  }
}

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/packages'],
  testMatch: ['**/src/**/*.spec.ts', '**/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }],
  },
  moduleNameMapper,
  testTimeout: 60_000,
  // Integration suites share one NATS and one PostgreSQL; each isolates itself by prefix and database.
  maxWorkers: 2,
};
