import { stoppedTaskOf } from '../../lambda-src/shared/task-event';
import { folderOf, folderOfTask, mergeSite, parseTree } from '../../lambda-src/write-tree/tree';

const filter = { clusterArn: 'arn:aws:ecs:eu-north-1:1:cluster/sitespeed', family: 'sitespeed', containerName: 'sitespeed' };
const stopped = (detail: object) => ({
  'detail-type': 'ECS Task State Change',
  'detail': {
    lastStatus: 'STOPPED',
    clusterArn: filter.clusterArn,
    taskDefinitionArn: 'arn:aws:ecs:eu-north-1:1:task-definition/sitespeed:7',
    startedBy: 'sitespeed/shop',
    startedAt: '2026-11-27T08:15:00.000Z',
    stoppedAt: '2026-11-27T08:19:00.000Z',
    containers: [{ name: 'sitespeed', exitCode: 0 }],
    overrides: { containerOverrides: [{ name: 'sitespeed', command: ['https://a/', '--slug', 'shop'] }] },
    ...detail,
  },
});

describe('stoppedTaskOf', () => {
  test('reads the site from the run\'s --slug, the exit code and the times', () => {
    expect(stoppedTaskOf(stopped({}), filter)).toEqual({
      site: 'shop',
      args: ['https://a/', '--slug', 'shop'],
      taskArn: undefined,
      rerun: false,
      exitCode: 0,
      reason: undefined,
      startedAt: new Date('2026-11-27T08:15:00.000Z'),
      stoppedAt: new Date('2026-11-27T08:19:00.000Z'),
    });
  });

  test('a failed budget is a non-zero exit code with its reason', () => {
    const task = stoppedTaskOf(stopped({ containers: [{ name: 'sitespeed', exitCode: 1, reason: 'budget failed' }] }), filter);
    expect(task).toMatchObject({ site: 'shop', exitCode: 1, reason: 'budget failed' });
  });

  test('falls back to startedBy when the command has no slug', () => {
    expect(stoppedTaskOf(stopped({ overrides: {}, startedBy: 'sitespeed/blog' }), filter)).toMatchObject({ site: 'blog' });
  });

  test.each([
    ['another cluster', { clusterArn: 'arn:aws:ecs:eu-north-1:1:cluster/other' }, /another cluster/],
    ['another family', { taskDefinitionArn: 'arn:aws:ecs:eu-north-1:1:task-definition/grafana:1' }, /another family \(grafana\)/],
    ['a running task', { lastStatus: 'RUNNING' }, /task is RUNNING, not STOPPED/],
    ['no slug anywhere', { overrides: {}, startedBy: 'ecs-svc/123' }, /no site slug/],
    ['a slug with odd characters', { overrides: { containerOverrides: [{ name: 'sitespeed', command: ['--slug', '../x'] }] }, startedBy: '' }, /no site slug/],
  ])('ignores %s, saying why', (_name, detail, why) => {
    expect((stoppedTaskOf(stopped(detail), filter) as { ignored: string }).ignored).toMatch(why);
  });

  test('ignores events that are not task state changes', () => {
    expect(stoppedTaskOf({ rebuild: 'yes' }, filter)).toEqual({ ignored: 'not an ECS Task State Change event' });
  });
});

describe('tree', () => {
  test('merging one site keeps the others and what is known of its runs', () => {
    const tree = { version: 1 as const, sites: { blog: [{ run: '2026-01-01-00-00-00', status: 'ok' as const }], shop: [{ run: '2026-11-26-08-00-00', status: 'failed' as const, exitCode: 1 }] } };
    const next = mergeSite(tree, 'shop', ['2026-11-27-08-15-03', '2026-11-26-08-00-00'], { run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 });
    expect(next.sites.blog).toBe(tree.sites.blog);
    expect(next.sites.shop).toEqual([
      { run: '2026-11-26-08-00-00', status: 'failed', exitCode: 1 },
      { run: '2026-11-27-08-15-03', status: 'ok', exitCode: 0 },
    ]);
  });

  test('a run that failed before uploading stays, marked as having no report', () => {
    const next = mergeSite({ version: 1, sites: {} }, 'shop', [], { run: '2026-11-27-08-15-00', status: 'failed', report: false });
    expect(mergeSite(next, 'shop', ['2026-11-28-08-15-00']).sites.shop.map(r => r.run)).toEqual(['2026-11-27-08-15-00', '2026-11-28-08-15-00']);
  });

  test('a task is matched to the folder it wrote, allowing a minute of clock skew', () => {
    const folders = ['2026-11-27-08-00-00', '2026-11-27-08-14-30', '2026-11-27-08-15-04', '2026-11-27-09-00-00'];
    expect(folderOfTask(folders, new Date('2026-11-27T08:15:00Z'), new Date('2026-11-27T08:19:00Z'))).toBe('2026-11-27-08-15-04');
    expect(folderOfTask(['2026-11-27-07-00-00'], new Date('2026-11-27T08:15:00Z'), new Date('2026-11-27T08:19:00Z'))).toBeUndefined();
    expect(folderOf(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02-03-04-05');
  });

  test.each([
    ['not JSON', '{"version":1,"sites":'],
    ['another shape', '{"sites":[]}'],
    ['a run without status', '{"version":1,"sites":{"a":[{"run":"x"}]}}'],
  ])('%s is not a tree', (_name, text) => {
    expect(parseTree(text)).toBeUndefined();
  });
});
