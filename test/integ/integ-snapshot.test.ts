import * as fs from 'fs';
import * as path from 'path';
import { SNAPSHOT_DIR, snapshotFiles, synthIntegApp } from './snapshot';
import { compareAssemblies } from '../python/compare-templates';

// integ-runner's snapshot check, offline: the committed snapshot of integ.check.ts against a
// fresh synth (templates equal but for asset hashes, the same test cases). integ-runner itself
// cannot run here (docs/check.md: the newest served reads cloud assembly schema 53, we write 55).
test('the committed integ snapshot is what integ.check.ts synthesizes (run `npx projen integ:snapshot` after changing it)', () => {
  const fresh = synthIntegApp();
  try {
    expect(snapshotFiles(SNAPSHOT_DIR)).toEqual(snapshotFiles(fresh));
    const { problems, templates, resources } = compareAssemblies(SNAPSHOT_DIR, fresh);
    expect(problems).toEqual([]);
    expect(templates).toBe(2);
    expect(resources).toBeGreaterThan(50);
    const read = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'integ.json'), 'utf8'));
    expect(read(SNAPSHOT_DIR)).toEqual(read(fresh));
    expect(Object.keys(read(fresh).testCases)).toEqual(['Check/DefaultTest']);
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
});

test('the assertions run the site, then wait for its report and its calendar entry', () => {
  const assert = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_DIR, 'CheckDefaultTestDeployAssert7D696FA3.template.json'), 'utf8'));
  const calls = Object.values<any>(assert.Resources).filter(r => /^Custom::Deploy/.test(r.Type)).map(r => r.Properties);
  expect(calls.map(c => [c.service, c.api, c.expected])).toEqual([
    ['Lambda', 'invoke', '{"$ObjectLike":{"StatusCode":200}}'],
    ['S3', 'listObjectsV2', expect.stringContaining('^example/')],
    ['S3', 'getObject', expect.stringContaining('runs')],
  ]);
  // The calendar entry is read from the site's own index file.
  expect(JSON.stringify(calls[2].parameters)).toContain('.cdk-sitespeed/index/sites/example.json');
  // The two waits poll for up to 40 minutes (a cold cluster starts an instance first).
  const waits = Object.values<any>(assert.Resources).filter(r => r.Type === 'AWS::StepFunctions::StateMachine');
  expect(waits).toHaveLength(2);
});
