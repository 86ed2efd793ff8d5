import { DeployedFixture, Knobs } from './deployment-fixture';
import { main } from '../../cli-src/cdk-sitespeed';
import { resetMoto } from '../harness/moto';

// `cdk-sitespeed run` against the reference deployment's prod stage "deployed" on moto, the same
// fixture as the check's (test/check/deployment-fixture.ts): the real runTask code starts the runs
// on moto's ECS, the fixture's "instance" works them (report to S3, the index updated).

interface Outcome { code: number; out: string; err: string; fixture: DeployedFixture }

async function run(knobs: Knobs = {}, args: string[] = ['--site', 'blog'], stacks = ['--stack', 'prod-*']): Promise<Outcome> {
  await resetMoto();
  const fixture = await DeployedFixture.create(knobs);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(['run', ...stacks, ...args], { out: t => out.push(t), err: t => err.push(t), tty: false }, () => fixture.clients(), fixture.clock());
    return { code, out: out.join('\n'), err: err.join(''), fixture };
  } finally {
    await fixture.close();
  }
}

describe('cdk-sitespeed run against the reference deployment on moto', () => {
  test('a run that passes: started through the schedule\'s target, followed to its end, the report link printed, exit 0', async () => {
    const { code, out, err } = await run();
    expect(out).toMatch(/^✓ blog: ok in \d+:\d\d https:\/\/d111111abcdef8\.cloudfront\.net\/blog\/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\/index\.html$/m);
    expect(out.split('\n').pop()).toBe('exit 0: every run ok');
    expect(code).toBe(0);
    expect(err).toMatch(/^blog: started [\w-]+ on prod-Sitespeed-SitespeedCluster/m);
    expect(err).toMatch(/^blog: STOPPED$/m);
  });

  test('a failed budget: exit 1, with the failing checks from the report\'s budgetResult.json', async () => {
    const { code, out } = await run({ exitCode: 1, budgetFailures: true });
    expect(out).toMatch(/^✗ blog: budget failed in \d+:\d\d https:\/\/.+\/index\.html\n {4}failing: home: Total Requests 2 \(max 0\)$/m);
    expect(code).toBe(1);
  });

  test('a run that fails, one that never starts, one that does not end in time, and a refused one: exit 3, each saying why', async () => {
    const failed = await run({ exitCode: 2 });
    expect(failed.out).toMatch(/^✗ blog: failed in \d+:\d\d https:\/\/.+ \(exit code 2: the run's log stream says why\)$/m);
    expect(failed.code).toBe(3);
    const neverStarted = await run({ neverStarts: true });
    expect(neverStarted.out).toMatch(/^✗ blog: not started in \d+:\d\d \(UserInitiated: cdk-sitespeed: waited over 30 min in PROVISIONING/m);
    expect(neverStarted.code).toBe(3);
    const endless = await run({ finishRun: false }, ['--site', 'blog', '--timeout', '1']);
    expect(endless.out).toMatch(/^✗ blog: timed out \(still RUNNING after --timeout 1 s\)$/m);
    expect(endless.code).toBe(3);
    const refused = await run({ runTaskFails: true });
    expect(refused.out).toMatch(/^✗ blog: refused \(runTask: .+; its log group has the whole error\)$/m);
    expect(refused.code).toBe(3);
  });

  test('a run already in progress measured the old release: it is waited for, then a new one starts (never two at once)', async () => {
    const { code, out, err, fixture } = await run({ runInProgress: 'blog' }, ['--site', 'blog', '--json']);
    expect(code).toBe(0);
    const outcome = JSON.parse(out);
    // A site without a history: its baseline is warming up.
    expect(outcome).toMatchObject({ exitCode: 0, sites: [{ site: 'blog', status: 'ok', waitedForRunInProgress: true, regression: { verdict: 'warming up' } }] });
    expect(err).toMatch(/^blog: a run in progress \([\w-]+\) measured the release before; waiting for it to end$/m);
    // The task that was going is not ours: ours started after it stopped.
    expect(err.indexOf('blog: started')).toBeGreaterThan(err.indexOf('waiting for it to end'));
    expect(fixture).toBeDefined();
  });

  test('the regression verdict: a slower page fails the gate with exit 1 as an unconfirmed candidate, naming what moved and what else rose; the same page passes', async () => {
    const slower = await run({ regression: 'slower' });
    expect(slower.out).toMatch(new RegExp(['^✗ blog: ok in \\d+:\\d\\d https://\\S+',
      ' {4}regression: slower than its baseline \\(not confirmed: the next scheduled runs confirm it\\)',
      ' {6}https://shop\\.example\\.com/ largestContentfulPaint: baseline 1\\d{3} ms, recent runs 1\\d{3} ms \\(\\+\\d+ %\\)',
      // The slower page also weighs 200 kB more (deployment-fixture.ts): reported beside, by threshold.
      ' {6}also: https://shop\\.example\\.com/ transfer size: 400 kB before, 600 kB now \\(\\+200 kB\\)$'].join('\n'), 'm'));
    expect(slower.out.split('\n').pop()).toBe('exit 1: a budget failed or a page got slower');
    expect(slower.code).toBe(1);
    const same = await run({ regression: 'same' }, ['--site', 'blog', '--json']);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.out).sites[0].regression).toEqual({ verdict: 'ok', findings: [], alsoChanged: [] });
  });

  test('mark, then run (a pipeline\'s two steps): the run is judged alone against the runs before the deploy, and says so', async () => {
    await resetMoto();
    const fixture = await DeployedFixture.create({ regression: 'slower' });
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => {}, tty: false };
    try {
      expect(await main(['mark', '--stack', 'prod-*', '--site', 'blog', '--message', 'blog v2.0.1'], io, () => fixture.clients(), fixture.clock())).toBe(0);
      // The run's folder is named to the second: start it in the second after the marker, as any real pipeline does.
      await new Promise(r => setTimeout(r, 1100));
      out.length = 0;
      const code = await main(['run', '--stack', 'prod-*', '--site', 'blog'], io, () => fixture.clients(), fixture.clock());
      expect(out.join('\n')).toMatch(new RegExp(['^✗ blog: ok in \\d+:\\d\\d https://\\S+',
        ' {4}regression: slower than its baseline \\(not confirmed: the next scheduled runs confirm it\\) \\(judged against the runs before the deploy \'blog v2\\.0\\.1\'\\)'].join('\n'), 'm'));
      expect(code).toBe(1);
    } finally {
      await fixture.close();
    }
  });

  test('several sites at once: the worst outcome is the exit code; --no-wait returns once each has started', async () => {
    const both = await run({}, ['--site', 'blog', '--site', 'landing', '--json']);
    expect(JSON.parse(both.out).sites.map((s: any) => [s.site, s.status])).toEqual([['blog', 'ok'], ['landing', 'ok']]);
    const fired = await run({}, ['--site', 'shop', '--no-wait']);
    expect(fired.out).toMatch(/^✓ shop: started$/m);
    expect(fired.code).toBe(0);
  });

  test('usage: exit 2, one line naming the fix — no --stack, an unknown site, stacks that are not there', async () => {
    const noStack = await main(['run'], { out: () => {}, err: () => {}, tty: false });
    expect(noStack).toBe(2);
    const unknown = await run({}, ['--site', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^cdk-sitespeed run: no site 'nope' in prod-\*; choose from: blog, checkout, docs, landing, shop$/m);
    const missing = await run({}, [], ['--stack', 'staging-*']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^cdk-sitespeed run: ✗ stacks: no stack matches staging-\* in [\w-]+\n {4}→ check the names/m);
  });
});
