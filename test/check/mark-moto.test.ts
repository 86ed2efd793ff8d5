import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { DeployedFixture, Knobs } from './deployment-fixture';
import { main } from '../../cli-src/cdk-sitespeed';
import { MARKERS_KEY } from '../../src/contract/report-keys';
import { motoClientConfig, resetMoto } from '../harness/moto';

// `cdk-sitespeed mark` against the reference deployment's prod stage "deployed" on moto (the
// check's fixture): the real markDeploy code with the function's resolved environment writes the
// markers file to moto's S3 and sends its annotation script through SSM, which the fixture runs
// here with bash against its Graphite stand-in (nginx's credentials, graphite-web's POST /events/).

interface Outcome { code: number; out: string; err: string; markers: any[]; posted: any[]; runs: any[] }

async function mark(args: string[], knobs: Knobs = {}, before?: (f: DeployedFixture) => Promise<void>): Promise<Outcome> {
  await resetMoto();
  const fixture = await DeployedFixture.create(knobs);
  const out: string[] = [];
  const err: string[] = [];
  const s3 = new S3Client(motoClientConfig());
  try {
    await before?.(fixture);
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), tty: false };
    const code = await main(['mark', '--stack', 'prod-*', ...args], io, () => fixture.clients(), fixture.clock());
    const bucket = [...fixture.physical.entries()].find(([k]) => /^prod-Sitespeed\/SitespeedReportsBucket/.test(k))![1];
    let markers: any[] = [];
    try {
      markers = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: MARKERS_KEY }))).Body!.transformToString()).markers;
    } catch { /* no file */ }
    // The runs after the deploy (the reference deployment's runAfter): one-time schedules in the DeployMarkers' group.
    const scheduler = fixture.clients().scheduler;
    const group = [...fixture.physical.entries()].find(([k]) => /^prod-Sitespeed\/MarkersRunsAfterDeploys/.test(k))?.[1];
    if (!group) throw new Error(`no schedule group: ${[...fixture.physical.keys()].filter(k => /Markers/.test(k)).join(', ')}`);
    const listed = (await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? [];
    const runs = await Promise.all(listed.map(s => scheduler.send(new GetScheduleCommand({ Name: s.Name, GroupName: group }))));
    return { code, out: out.join('\n'), err: err.join(''), markers, posted: [...fixture.postedEvents], runs };
  } finally {
    s3.destroy();
    await fixture.close();
  }
}

describe('cdk-sitespeed mark against the reference deployment on moto', () => {
  test('every site of the cluster with a DeployMarkers: on the calendar and one Graphite event each, exit 0', async () => {
    const { code, out, markers, posted, runs } = await mark(['--message', 'v1.2.3', '--id', 'release-1.2.3']);
    expect(code).toBe(0);
    expect(out).toMatch(/^✓ blog, checkout, docs, shop \(prod-Sitespeed-SitespeedCluster\S*\): marked at \d{4}-\d\d-\d\dT[\d:.]+Z on the calendar \(s3:\/\/\S+\/\.cdk-sitespeed\/index\/markers\.json\)$/m);
    expect(out).toMatch(/^ {4}Graphite annotation \(tags deploy and the site\): blog, checkout, docs, shop$/m);
    expect(out).toMatch(/^ {4}runs after the deploy \(DeployMarkers runAfter\): blog, checkout, docs, shop at \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    expect(out.split('\n').pop()).toBe('exit 0: marked \'v1.2.3\' (id release-1.2.3)');
    expect(markers).toEqual([expect.objectContaining({ id: 'release-1.2.3', message: 'v1.2.3', sites: ['blog', 'checkout', 'docs', 'shop'], annotated: ['blog', 'checkout', 'docs', 'shop'] })]);
    expect(posted.map(e => e.tags)).toEqual(['blog', 'checkout', 'docs', 'shop'].map(s => ['sitespeed_io', 'prod', s, 'deploy']));
    expect(posted[0]).toMatchObject({ what: 'Deploy: v1.2.3', data: 'v1.2.3 (cdk-sitespeed mark)' });
    // Each site runs 10 minutes after the marker, through its own schedule's target and input (the function read them with GetSchedule).
    const markedAt = Date.parse(markers[0].at);
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      expect(run).toMatchObject({ ActionAfterCompletion: 'DELETE', ScheduleExpressionTimezone: 'UTC' });
      expect(Date.parse(`${/^at\((.+)\)$/.exec(run.ScheduleExpression)![1]}Z`)).toBe(Math.floor((markedAt + 600_000) / 1000) * 1000);
      expect(JSON.parse(run.Target.Input)).toMatchObject({ site: expect.stringMatching(/^(blog|checkout|docs|shop)$/), args: expect.any(Array) });
      expect(run.Target.Arn).toMatch(/Runner/);
    }
  });

  test('one site, as JSON; the site of a cluster without DeployMarkers is refused with the ones that have it, exit 2', async () => {
    const one = await mark(['--message', 'shop 4f2a9c1', '--site', 'shop', '--json']);
    expect(one.code).toBe(0);
    const json = JSON.parse(one.out);
    expect(json).toMatchObject({ exitCode: 0, message: 'shop 4f2a9c1', clusters: [{ sites: ['shop'], ok: true, outcome: { added: true, annotated: ['shop'] } }] });
    expect(one.posted.map(e => e.tags[2])).toEqual(['shop']);
    const landing = await mark(['--message', 'v1', '--site', 'landing']);
    expect(landing.code).toBe(2);
    expect(landing.err).toBe('cdk-sitespeed mark: no site \'landing\' with a DeployMarkers in prod-*; choose from: blog, checkout, docs, shop\n');
  });

  test('--accept: the marker carries it (the detector accepts an open regression of its sites at their next run: test/integration/regressions.test.ts)', async () => {
    const { code, out, markers } = await mark(['--message', 'hero image, heavier by design', '--site', 'shop', '--accept', '--id', 'accept-1']);
    expect(code).toBe(0);
    expect(out.split('\n').pop()).toBe('exit 0: marked \'hero image, heavier by design\' (id accept-1): an open regression of a marked site is accepted at its next scheduled run');
    expect(markers).toEqual([expect.objectContaining({ id: 'accept-1', sites: ['shop'], accept: true })]);
  });

  test('Graphite refusing the events: on the calendar, exit 3 naming the site and the --id a retry takes (the retry: test/integration/deploy-marker.test.ts)', async () => {
    const refused = await mark(['--message', 'v2', '--id', 'rel-2', '--site', 'shop'], { eventsStatus: 500 });
    expect(refused.code).toBe(3);
    expect(refused.out).toMatch(/^✗ shop \(\S+\): marker rel-2 is on the calendar; its Graphite annotation failed for shop: Graphite answered 500 to POST \/events\/\./m);
    expect(refused.out.split('\n').pop()).toBe('exit 3: not every mark went through; retry with --id rel-2');
    expect(refused.markers).toEqual([expect.objectContaining({ id: 'rel-2', sites: ['shop'] })]);
    expect(refused.markers[0].annotated).toBeUndefined();
  });

  test('usage: no --message, a message of two lines, a bad --id: exit 2 before any call; --print-policy is the CloudFormation reads and the invoke', async () => {
    for (const [args, problem] of [
      [[], '--message is required'],
      [['--message', 'a\nb'], '--message must be one line'],
      [['--message', 'v1', '--id', 'a b'], '--id must be 1 to 128 letters'],
    ] as const) {
      const io = { out: () => undefined, err: (t: string) => errs.push(t), tty: false };
      const errs: string[] = [];
      expect(await main(['mark', '--stack', 'prod-*', ...args], io)).toBe(2);
      expect(errs.join('')).toContain(problem);
    }
    const out: string[] = [];
    expect(await main(['mark', '--stack', 'prod-*', '--print-policy'], { out: t => out.push(t), err: () => undefined, tty: false })).toBe(0);
    const actions = JSON.parse(out[0]).Statement.flatMap((s: any) => s.Action).sort();
    expect(actions).toEqual(['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources', 'cloudformation:ListStacks', 'lambda:InvokeFunction']);
  });
});
