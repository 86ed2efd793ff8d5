import * as fs from 'fs';
import * as path from 'path';

/**
 * The Python tools the tests run, from the project's own venv (.venv-test/, built by the first
 * step of `npm test`: test/tools/bootstrap.sh), never from PATH: every machine then runs the
 * pinned versions, and a missing tool is a clear error here rather than a test that passes on
 * one machine and not on another.
 */
export const TEST_VENV = path.join(__dirname, '..', '..', '.venv-test');

export type TestTool = 'python' | 'moto_server' | 'cfn-lint' | 'carbon-cache.py' | 'whisper-info.py' | 'shellcheck';

/** The absolute path of a tool in .venv-test/bin; throws with the fix when it is not there. */
export function testTool(name: TestTool): string {
  const file = path.join(TEST_VENV, 'bin', name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${name} is not in ${TEST_VENV}/bin: the test tools are not installed. ` +
      'Run `npm test` (its first step installs them) or `npx projen test:tools`.',
    );
  }
  return file;
}
