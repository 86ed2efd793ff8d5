// A jest reporter (plain JS: jest loads reporters untranspiled). At the end of a run it lists
// every skipped test with its reason (test/harness/skips.ts puts it in the title), and fails the
// run when a test was skipped without one: nothing may skip silently.
const path = require('path');

const SKIP_MARK = '[skipped:';

class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    // With -t (a name filter) jest skips what does not match: that is the developer's choice.
    this.filtered = Boolean(globalConfig.testNamePattern);
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const declared = [];
    const undeclared = [];
    for (const file of results.testResults) {
      const where = path.relative(this.rootDir, file.testFilePath);
      for (const t of file.testResults) {
        if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
        const title = [...t.ancestorTitles, t.title].join(' › ');
        (title.includes(SKIP_MARK) ? declared : undeclared).push(`${where}: ${title}`);
      }
    }
    if (declared.length > 0) {
      process.stderr.write(`\nSkipped, each with its reason (${declared.length}):\n${declared.map(s => `  - ${s}\n`).join('')}`);
    }
    if (undeclared.length > 0 && !this.filtered) {
      this.error = new Error(
        `${undeclared.length} test(s) skipped without a reason (use asRoot or testIf from test/harness/skips.ts, or remove .skip/.only):\n` +
        undeclared.map(s => `  - ${s}`).join('\n'),
      );
      process.stderr.write(`\n${this.error.message}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = SkipReporter;
