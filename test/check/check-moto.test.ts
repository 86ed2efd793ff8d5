import * as fs from 'fs';
import * as path from 'path';
import { DeployedFixture, Knobs } from './deployment-fixture';
import { main } from '../../cli-src/cdk-sitespeed';
import { resetMoto } from '../harness/moto';

// `cdk-sitespeed check` against the reference deployment's prod stage "deployed" on moto
// (test/check/deployment-fixture.ts says what is moto, what is middleware and what runs here).

interface Outcome { code: number; out: string; err: string; fixture: DeployedFixture }

async function runCheck(knobs: Knobs = {}, args: string[] = [], stacks = ['--stack', 'prod-*']): Promise<Outcome> {
  await resetMoto();
  const fixture = await DeployedFixture.create(knobs);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(['check', ...stacks, '--step-timeout', '20', ...args],
      { out: t => out.push(t), err: t => err.push(t), tty: false }, () => fixture.clients(), fixture.clock());
    return { code, out: out.join('\n'), err: err.join(''), fixture };
  } finally {
    await fixture.close();
  }
}

const PROBES = ['sitespeed-check-metrics.sh', 'sitespeed-check-config.sh'].map(name => fs.readFileSync(path.join(__dirname, '..', '..', 'shell', name), 'utf8'));

/** The script an SSM command carries (remoteCommand sends it base64-encoded). */
function scriptOf(command: string): string {
  return Buffer.from(/printf %s (\S+) \| base64 -d/.exec(command)![1], 'base64').toString();
}

describe('cdk-sitespeed check against the reference deployment on moto', () => {
  test('the happy path: every step ✓, exit code 0, and nothing sent to the instances but the read-only probes', async () => {
    const { code, out, err, fixture } = await runCheck();
    expect(out).not.toMatch(/✗/);
    expect(code).toBe(0);
    for (const step of ['stacks', 'account', 'instances', 'metrics', 'run', 'report', 'calendar', 'regressions', 'viewer', 'keys', 'config', 'queues', 'functions', 'markers']) {
      expect(out).toMatch(new RegExp(`^✓ ${step}: `, 'm'));
    }
    expect(out).toMatch(/^✓ stacks: .*2 clusters, 5 sites, 1 metrics instance group, 8 dead-letter queues, 12 functions$/m);
    expect(out).toMatch(/^✓ run: started blog on prod-Sitespeed-SitespeedCluster\w+ \(.+\) through its schedule's target and input$/m);
    expect(out).toMatch(/^✓ calendar: blog \d{4}-\d\d-\d\d-\d\d-\d\d-\d\d is in s3:\/\/.+\/\.cdk-sitespeed\/index\/sites\/blog\.json as ok, and blog in the summary$/m);
    expect(out).toMatch(/^✓ calendar: reports of blog expire after 90 days \(lifecycle rule reports-blog\), when the index drops their runs$/m);
    expect(out).toMatch(/^✓ regressions: blog \d{4}(-\d\d){5}: an extract of 1 URL\(s\) in s3:\/\/\S+\/\.cdk-sitespeed\/extracts\/blog\/\S+\.json, judged warming up in \.cdk-sitespeed\/regressions\/blog\.json \(a run of check is on demand: never part of the baseline\)$/m);
    expect(out).toMatch(/^✓ keys: Graphite has 1 key\(s\) under sitespeed_io\.prod\.blog$/m);
    expect(out).toMatch(/^✓ alerts: .+: email oncall@example\.com$/m);
    expect(out).toMatch(/^– alarm test: no alarm set off \(it pages the subscribers twice\)$/m);
    // DeployMarkers (the reference app's, runAfter 10 min): the schedules it copies exist; no marker yet.
    expect(out).toMatch(/^✓ markers: \S+: runs 10 min after a deploy copy the schedules of 4 site\(s\), each found; into the schedule group \S+$/m);
    expect(out).toMatch(/^✓ markers: s3:\/\/\S+\/\.cdk-sitespeed\/index\/markers\.json: no marker yet \(the first `cdk-sitespeed mark` writes it\)$/m);
    expect(fixture.alarmStates).toEqual([]);
    expect(out.split('\n').pop()).toMatch(/^✓ \d+ passed, 0 failed, 1 not checked$/);
    expect(err).toMatch(/read-only, except one run of blog it starts now/);
    expect(err).toMatch(/blog: STOPPED \d:\d\d/);
    expect(fixture.ssmCommands.length).toBe(3);
    for (const command of fixture.ssmCommands) expect(PROBES).toContain(scriptOf(command));
    // The password stays on the instance: it is in no command and no line.
    expect(fixture.ssmCommands.join('\n') + out + err).not.toContain('graphite-password-from-the-secret');
  });

  test('--site picks the site (here the host tc cluster\'s), --json prints the verdict as JSON', async () => {
    const { code, out } = await runCheck({}, ['--site', 'landing', '--json']);
    expect(code).toBe(0);
    const verdict = JSON.parse(out);
    expect(verdict.ok).toBe(true);
    expect(verdict.lines.find((l: any) => l.step === 'run').text).toMatch(/^started landing on prod-Sitespeed-SitespeedHostTcCluster/);
    expect(verdict.lines.every((l: any) => ['pass', 'skip'].includes(l.verdict))).toBe(true);
  });

  test('--no-run starts nothing: run, report, calendar, regressions, viewer, keys and config say not checked', async () => {
    const { code, out, fixture } = await runCheck({}, ['--no-run']);
    expect(code).toBe(0);
    expect(out).toMatch(/^– run: no run started \(--no-run\)/m);
    for (const step of ['report', 'calendar', 'regressions', 'viewer', 'keys', 'config']) expect(out).toMatch(new RegExp(`^– ${step}: not checked`, 'm'));
    expect(fixture.ssmCommands.map(scriptOf)).toEqual([PROBES[0]]);
  });

  test('DeployMarkers: a site schedule its runAfter copies is gone, a markers file is corrupt: a ✗ for each, naming it', async () => {
    const { code, out } = await runCheck({ scheduleDeleted: 'docs', markersFile: '{"version": 1, "markers": "oops"' });
    expect(code).toBe(1);
    expect(out).toMatch(/^✗ markers: \S+: runs after a deploy copy schedules that do not exist: docs \(\S+\)$/m);
    expect(out).toMatch(/^✗ markers: s3:\/\/\S+\/\.cdk-sitespeed\/index\/markers\.json is not a markers file: the calendar and the regression detector ignore it$/m);
    const good = await runCheck({ markersFile: JSON.stringify({ version: 1, markers: [{ id: 'v2', at: '2026-12-06T10:00:00.000Z', message: 'shop v2', sites: ['shop'], source: 'cdk-sitespeed' }] }) }, ['--no-run']);
    expect(good.out).toMatch(/^– markers: \S+: the markers file not read \(--no-run\)$/m);
    const read = await runCheck({ markersFile: JSON.stringify({ version: 1, markers: [{ id: 'v2', at: '2026-12-06T10:00:00.000Z', message: 'shop v2', sites: ['shop'], source: 'cdk-sitespeed' }] }) });
    expect(read.out).toMatch(/^✓ markers: s3:\/\/\S+\/\.cdk-sitespeed\/index\/markers\.json: 1 marker\(s\), the newest at 2026-12-06T10:00:00\.000Z: shop v2$/m);
  });

  test('--test-alarm: the alert alarm is set to ALARM, each topic\'s delivery read from its history, and set back to OK', async () => {
    const { code, out, fixture } = await runCheck({ alarmDelivery: 'published' }, ['--no-run', '--test-alarm']);
    expect(out).toMatch(/^✓ alarm test: prod-Sitespeed-AlertsDeadLetters\w+ published to prod-Sitespeed-AlertsTopic\w+ \(ALARM, then back to OK\)$/m);
    // The reference app has two SiteAlerts (one per cluster): both are proven, each set back to OK.
    expect(out).toMatch(/^✓ alarm test: prod-Sitespeed-HostTcAlertsDeadLetters\w+ published to prod-Sitespeed-AlertsTopic\w+ \(ALARM, then back to OK\)$/m);
    const alarms = [...out.matchAll(/✓ alarm test: (\S+) published/g)].map(m => m[1]);
    expect(fixture.alarmStates.sort()).toEqual(alarms.flatMap(a => [`${a} ALARM`, `${a} OK`]).sort());
    expect(code).toBe(0);
  });

  test.each([
    ['no-policy', /could not publish to prod-Sitespeed-AlertsTopic\w+: Resource: .* is not authorized to perform: SNS:Publish .*because no resource-based policy allows/, /policy must allow sns:Publish to cloudwatch\.amazonaws\.com/],
    ['kms-denied', /could not publish to prod-Sitespeed-AlertsTopic\w+: null \(Service: AWSKMS; .*AccessDeniedException/, /KMS key must let cloudwatch\.amazonaws\.com use kms:Decrypt/],
    ['silent', /no outcome for its action on prod-Sitespeed-AlertsTopic\w+ in the alarm's history/, /describe-alarm-history --alarm-name \S+ --history-item-type Action/],
  ] as const)('--test-alarm when the history says %s: the ✗ names the broken link, and the alarm is set back to OK all the same', async (delivery, line, fix) => {
    const { code, out, fixture } = await runCheck({ alarmDelivery: delivery }, ['--no-run', '--test-alarm', '--step-timeout', '2']);
    const lines = out.split('\n');
    const failed = lines.findIndex(l => /^✗ alarm test: /.test(l) && line.test(l));
    expect(failed).toBeGreaterThan(-1);
    expect(lines[failed + 1]).toMatch(fix);
    expect(fixture.alarmStates.map(s => s.split(' ')[1]).sort()).toEqual(['ALARM', 'ALARM', 'OK', 'OK']);
    expect(code).toBe(1);
  });

  const failures: Array<[string, Knobs, string[], RegExp, RegExp]> = [
    ['a stack that is not there', {}, ['--stack', 'prod-Nope'], /^✗ stacks: prod-Nope: ValidationError: Stack with id prod-Nope does not exist$/m, /→ check the name and the region/],
    ['a stack whose update rolled back', { stackStatus: 'UPDATE_ROLLBACK_COMPLETE' }, [], /^✗ stacks: prod-Metrics is UPDATE_ROLLBACK_COMPLETE$/m, /describe-stack-events --stack-name prod-Metrics/],
    ['a deployment without check metadata', { noMetadata: true }, [], /^✗ stacks: no cdk-sitespeed part in prod-Metrics, prod-Network, prod-Sitespeed$/m, /deploy it again/],
    ['an instance without the shaping modules', { shaping: 'failed' }, [], /^✗ instances: prod-Sitespeed-SitespeedCluster\w+: i-\w+ has cdk-sitespeed\.shaping=failed: tasks are never placed on it$/m, /provides sch_netem\.ko or ifb\.ko for its kernel/],
    ['a metrics instance without its volume', { volume: '' }, [], /^✗ instances: prod-Metrics-MetricsCluster\w+: i-\w+ has cdk-sitespeed\.metrics-volume=\(not set\)/m, /the volume step did not finish/],
    ['no metrics instance', { metricsInstance: false }, [], /^✗ instances: prod-Metrics-MetricsCluster\w+: no instance \(group .* wants 0\): Graphite and Grafana are down$/m, /InstanceSchedule/],
    ['Graphite open to anyone', { graphiteAuth: false }, [], /^✗ metrics: Graphite at http:\/\/graphite\.sitespeed\.internal:80 answers anonymous requests with 200, not 401$/m, /does not mount cdk-sitespeed's nginx site over the image's/],
    ['a secret the instance cannot read', { secretReadable: false }, [], /^✗ metrics: the metrics instance cannot read Graphite's credentials secret$/m, /secretsmanager:GetSecretValue/],
    ['Grafana unhealthy', { grafanaHealth: 503 }, [], /^✗ metrics: Grafana's \/api\/health answers 503$/m, /the Grafana service/],
    ['an instance SSM cannot run commands on', { ssmStatus: 'Failed' }, ['--no-run'], /^✗ metrics: prod-Metrics-MetricsCluster\w+: the probe on i-\w+ ended Failed/m, /describe-instance-information/],
    ['RunTask refused', { runTaskFails: true }, [], /^✗ run: the runTask function refused the run of blog: /m, /its log group \(\/aws\/lambda\/prod-Sitespeed-SitespeedRunnerFunction\w+\)/],
    ['a run that fails its budget', { exitCode: 1 }, [], /^✗ run: blog stopped after \d+ s with exit code 1/m, /sitespeed\.io exits 1 on a failed budget/],
    ['a run that never stops', { finishRun: false }, ['--run-timeout', '2'], /^✗ run: blog is still RUNNING after 2 s$/m, /raise --run-timeout/],
    ['no report uploaded', { uploadReport: false }, [], /^✗ report: no report folder of this run under s3:\/\/[\w-]+\/blog\/$/m, /why the upload failed/],
    ['a run reportIndex never indexed', { indexTree: false }, ['--step-timeout', '2'], /^✗ calendar: after \d+ s, (no \.cdk-sitespeed\/index\/sites\/blog\.json|\.cdk-sitespeed\/index\/sites\/blog\.json without)/m, /reportIndex function did not index the run/],
    ['reports that never expire while the index drops them', { noRetentionRule: true }, [],
      /^✗ calendar: s3:\/\/[\w-]+ has no lifecycle rule reports-blog, while the index drops runs after 90 days$/m, /deploy the stack again/],
    ['a run that stored no HAR (--browsertime.skipHar)', { noHar: true }, [], /^✗ regressions: the run's extract has no pages: no HAR under blog\/[\d-]+\/pages\//m, /leave out --browsertime\.skipHar/],
    ['a viewer that refuses this machine', { viewerDenies: true }, [], /^✗ viewer: https:\/\/d111111abcdef8\.cloudfront\.net\/blog\/[\d-]+\/index\.html answers 403$/m, /allowedCidrs/],
    ['no keys in Graphite', { sendMetrics: false }, [], /^✗ keys: Graphite has no key under sitespeed_io\.prod\.blog$/m, /port 2003/],
    ['no annotation in Graphite', { sendAnnotation: false }, [], /^✗ keys: Graphite has no annotation of this run \(tag blog\)$/m, /Got 401 from Graphite/],
    ['a config folder behind the bucket', { configChanges: ['download: s3://config/config/urls/docs.txt to /config/urls/docs.txt'] }, [],
      /^✗ config: i-\w+'s config folder is behind by 1 change\(s\): \(dryrun\) download: s3:\/\/config\/config\/urls\/docs\.txt/m, /syncConfig function/],
    ['run requests in a dead-letter queue', { deadLetters: 2 }, ['--no-run'], /^✗ queues: prod-Sitespeed-SitespeedRunnerDeadLetterQueue\w+ \(runs that could not start\) holds 2 message\(s\)$/m, /aws sqs receive-message/],
    ['a function with errors', { lambdaErrors: 3 }, ['--no-run'], /^✗ functions: runTask \(prod-Sitespeed-SitespeedRunnerFunction\w+\): 3 error\(s\) in 24 h$/m, /aws logs tail/],
    ['a run that never starts (no capacity)', { neverStarts: true }, [], /^✗ run: blog never started: its task stopped after \d+ s \(UserInitiated: cdk-sitespeed: waited over 30 min in PROVISIONING \(no capacity\); a new run of blog replaces it\)$/m, /activity history \(vCPU quota, no capacity of the type in the zone/],
    ['an account without the ECS service-linked role', { noEcsServiceRole: true }, ['--no-run'], /^✗ account: the ECS service-linked role AWSServiceRoleForECS is missing: ECS cannot place tasks or scale the clusters$/m, /aws iam create-service-linked-role --aws-service-name ecs\.amazonaws\.com/],
    ['alerts that reach nobody', { noSubscriber: true }, ['--no-run'], /^✗ alerts: .+ has no confirmed subscription: alerts reach nobody$/m, /subscribe to the topic \(stack output AlertTopic\)/],
    ['a site that is not there', {}, ['--site', 'nope'], /^✗ run: no site 'nope' in these stacks$/m, /choose one of: blog, checkout, docs, landing, shop/],
  ];
  test.each(failures)('%s: its ✗ line, what to do, exit code 1', async (_, knobs, args, line, fix) => {
    const stacks = args[0] === '--stack' ? args.splice(0, 2) : ['--stack', 'prod-*'];
    const { code, out } = await runCheck(knobs, args, stacks);
    expect(out).toMatch(line);
    const failed = out.split('\n').findIndex(l => line.test(l));
    expect(out.split('\n')[failed + 1]).toMatch(fix);
    expect(code).toBe(1);
  });
});

describe('cdk-sitespeed usage', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: t => out.push(t), err: t => err.push(t), tty: false }, () => { throw new Error('no AWS in usage tests'); });
    return { code, out: out.join('\n'), err: err.join('') };
  };
  test('check --help: the options and the permissions, exit code 0', async () => {
    const { code, out } = await run('check', '--help');
    expect(code).toBe(0);
    for (const option of ['--stack', '--site', '--no-run', '--json', '--test-alarm', '--print-policy', '--step-timeout', '--run-timeout', '--region', '--profile']) {
      expect(out).toContain(option);
    }
    expect(out).toMatch(/PAGES THE SUBSCRIBERS TWICE/);
    expect(out).toMatch(/Read-only, except the one run it starts/);
  });
  test.each([
    [['check'], /--stack is required/],
    [['check', '--stack', 'a', '--step-timeout', 'soon'], /--step-timeout must be a whole number of seconds, at least 1 \(got 'soon'\)/],
    [['check', '--stack', 'a', '--bogus'], /Unknown option '--bogus'/],
    [['deploy'], /unknown command 'deploy'/],
  ])('%j: a usage error on stderr, exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(err).toMatch(message);
    expect(code).toBe(2);
  });
});
