import { CfnElement, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { runNag } from './harness/nag';
import { flatten, onlyLogicalId, policyStatementsOfRole, stackWithVpc } from './helpers';
import { Browser, ConnectivityProfile, ScheduledSite, ScheduledSiteOptions, SitespeedCluster } from '../src';

const daily = ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Europe/Stockholm') });

function withCluster() {
  const { stack, vpc } = stackWithVpc();
  const reports = s3.Bucket.fromBucketName(stack, 'Reports', 'reports');
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, reportsBucket: reports });
  return { stack, cluster };
}

function site(options: Partial<ScheduledSiteOptions> = {}, id = 'Shop') {
  const { stack, cluster } = withCluster();
  const shop = cluster.addSite(id, { schedule: daily, urls: [{ url: 'https://shop.example.com/' }], ...options });
  return { stack, cluster, shop, get template() { return Template.fromStack(stack); } };
}

describe('schedule', () => {
  test('EventBridge Scheduler with the time zone, no flexible window, retries and a dead-letter queue', () => {
    const { stack, cluster, template } = site();
    // The runner's own (the run outcomes have a failed-events queue of their own).
    const dlq = stack.getLogicalId(cluster._runner().deadLetterQueue.node.defaultChild as CfnElement);
    const fn = stack.getLogicalId(cluster.runTaskFunction.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Stockholm',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      }),
    });
  });

  test('the schedule sends the site and its args as JSON, the args as an array', () => {
    const { template, shop } = site();
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const input = JSON.parse(flatten(schedules[0].Properties.Target.Input).replace('<AWS::Region>', 'eu-north-1'));
    expect(input).toEqual({ site: 'shop', args: shop.sitespeedArgs.map(a => a.replace(/^\$\{Token\[AWS\.Region\.\d+\]\}$/, 'eu-north-1')) });
    expect(input.args).toEqual([
      'https://shop.example.com/', '--browsertime.iterations', '5', '--browsertime.browser', 'chrome',
      '--slug', 'shop', '--utc', 'true', '--s3.bucketname', 'reports', '--s3.region', 'eu-north-1',
    ]);
  });

  test('a disabled site keeps its schedule, switched off', () => {
    const { template } = site({ enabled: false });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });

  test('rate schedules work, without a time-zone warning', () => {
    const rate = () => site({ schedule: ScheduleExpression.rate(Duration.hours(2)) });
    rate().template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(2 hours)' });
    expect(Annotations.fromStack(rate().stack).findWarning('*', Match.stringLikeRegexp('follows UTC'))).toHaveLength(0);
  });

  test('a cron in UTC (given or by default) gets a warning', () => {
    const utc = site({ schedule: ScheduleExpression.cron({ minute: '0', hour: '6' }) });
    Annotations.fromStack(utc.stack).hasWarning('/Test/Sitespeed/Shop', Match.stringLikeRegexp('follows UTC. Pass timeZone'));
  });
});

describe('runTask function', () => {
  test('one per cluster, on Node.js 24, configured with the cluster, task definition, capacity provider and container', () => {
    const { stack, cluster } = withCluster();
    cluster.addSite('A', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
    cluster.addSite('B', { schedule: daily, urls: [{ url: 'https://b.example/' }] });
    const template = Template.fromStack(stack);
    // The runTask function, the run outcomes' and the teardown's (which only runs when the stack is deleted).
    expect(Object.values(template.findResources('AWS::Lambda::Function')).map(f => f.Properties.Description).sort()).toEqual([
      expect.stringMatching(/^cdk-sitespeed: creates the ECS service-linked role when the account does not have it yet/),
      expect.stringMatching(/^cdk-sitespeed: on stack deletion, empties the cluster's Auto Scaling group/),
      expect.stringMatching(/^cdk-sitespeed: puts each stopped run's outcome on the default event bus/),
      expect.stringMatching(/^cdk-sitespeed: starts a sitespeed.io run/),
    ]);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          CLUSTER_ARN: { 'Fn::GetAtt': [onlyLogicalId(template, 'AWS::ECS::Cluster'), 'Arn'] },
          TASK_DEFINITION_ARN: { Ref: onlyLogicalId(template, 'AWS::ECS::TaskDefinition') },
          CAPACITY_PROVIDER: { Ref: onlyLogicalId(template, 'AWS::ECS::CapacityProvider') },
          CONTAINER_NAME: 'sitespeed',
        }),
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [stack.getLogicalId(cluster._runner().deadLetterQueue.node.defaultChild as CfnElement), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  test('its role may run this family on this cluster, pass the two task roles, and write its own logs', () => {
    const { template } = site();
    const statements = policyStatementsOfRole(template, 'SitespeedRunnerRole');
    const actions = statements.map(s => [s.Action].flat().join(',')).sort();
    expect(actions).toEqual([
      'ecs:DescribeTasks,ecs:StopTask', 'ecs:ListTasks', 'ecs:RunTask', 'ecs:TagResource', 'events:PutEvents', 'iam:PassRole',
      'logs:CreateLogStream,logs:PutLogEvents', 'sqs:SendMessage',
    ]);
    // Skipped and refused runs go to the default bus, and nowhere else.
    expect(statements.find(s => s.Action === 'events:PutEvents').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-north-1:123456789012:event-bus/default']],
    });
    const logs = statements.find(s => [s.Action].flat().includes('logs:PutLogEvents'));
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SitespeedRunnerLogGroup/), 'Arn'] });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('schedules invoke it with a role for this account only', () => {
    const { template } = site();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        })],
      }),
    });
  });
});

describe('rendered options', () => {
  test('URL files, scripts and budgets are read from the config folder', () => {
    expect(site({ urls: undefined, urlsFile: 'urls/shop.txt' }).shop.sitespeedArgs[0]).toBe('/config/urls/shop.txt');
    expect(site({ urls: undefined, script: 'scripts/checkout.mjs' }).shop.sitespeedArgs[0]).toBe('/config/scripts/checkout.mjs');
    const budget = site({ budgetFile: 'budgets/shop.json' }).shop.sitespeedArgs;
    expect(budget.slice(budget.indexOf('--budget.configPath'), budget.indexOf('--budget.configPath') + 2)).toEqual(['--budget.configPath', '/config/budgets/shop.json']);
  });

  test('aliases, browser, connectivity, mobile and Graphite are rendered', () => {
    const { shop } = site({
      urls: [{ url: 'https://a.example/', alias: 'home' }, { url: 'https://a.example/b', alias: 'b' }],
      browser: Browser.EDGE,
      connectivityProfile: ConnectivityProfile.custom({ downKbps: 5000, upKbps: 1000, rttMs: 40 }),
      mobile: true,
      graphiteHost: 'graphite.sitespeed.internal',
    });
    const args = shop.sitespeedArgs.join(' ');
    expect(args).toContain('--urlAlias home --urlAlias b');
    expect(args).toContain('--browsertime.browser edge');
    expect(args).toContain('--browsertime.connectivity.profile custom --browsertime.connectivity.down 5000 --browsertime.connectivity.up 1000 --browsertime.connectivity.rtt 40');
    expect(args).toContain('--mobile true');
    expect(args).toContain('--graphite.host graphite.sitespeed.internal --graphite.port 2003 --graphite.namespace sitespeed_io.default');
  });

  test('the slug comes from the id, or is given', () => {
    expect(site({}, 'My Shop (EU)').shop.slug).toBe('my-shop-eu');
    expect(site({ slug: 'Shop_EU-1' }).shop.slug).toBe('Shop_EU-1');
  });

  test('ScheduledSite can be created directly with its cluster', () => {
    const { stack, cluster } = withCluster();
    const direct = new ScheduledSite(stack, 'Direct', { cluster, schedule: daily, urls: [{ url: 'https://d.example/' }] });
    expect(direct.slug).toBe('direct');
    expect(JSON.parse(flatten(stack.resolve(direct.runRequest)))).toEqual({ site: 'direct', args: expect.arrayContaining(['https://d.example/', '--slug', 'direct']) });
  });
});

describe('bad options fail at synth, naming the option', () => {
  test('a schedule\'s time zone that is not an IANA name fails at synth, not at deploy', () => {
    expect(() => site({ schedule: ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.of('Berlin') }) }))
      .toThrow(/Test\/Sitespeed\/Shop: schedule: time zone 'Berlin' is not an IANA time zone; use a name such as TimeZone.of\('Europe\/Berlin'\)/);
    expect(() => site({ schedule: ScheduleExpression.cron({ minute: '0', hour: '9', timeZone: TimeZone.EUROPE_BERLIN }) })).not.toThrow();
  });

  test('every error about a site\'s props names the site first', () => {
    expect(() => site({ iterations: 0 }, 'Blog')).toThrow(/^Test\/Sitespeed\/Blog: iterations \(0\) must be a whole number from 1 to 100/);
  });

  test('an upper-case scheme is a valid URL, rendered in lower case (sitespeed.io takes an argument that does not start with "http" for a file)', () => {
    const { shop } = site({ urls: [{ url: 'HTTPS://Shop.example.com/Cart' }] });
    expect(shop.sitespeedArgs).toContain('https://Shop.example.com/Cart');
    expect(shop.sitespeedArgs).not.toContain('HTTPS://Shop.example.com/Cart');
  });

  test('two sites of one cluster may not share a slug', () => {
    const { cluster } = withCluster();
    cluster.addSite('Shop', { schedule: daily, urls: [{ url: 'https://a.example/' }] });
    expect(() => cluster.addSite('Other', { schedule: daily, slug: 'shop', urls: [{ url: 'https://b.example/' }] }))
      .toThrow("slug 'shop' of site Test/Sitespeed/Other is already used by site Test/Sitespeed/Shop on this cluster");
  });

  test.each([
    ['no input', { urls: undefined }, /give exactly one of urls, urlsFile and script \(got none\)/],
    ['two inputs', { urlsFile: 'u.txt' }, /give exactly one of urls, urlsFile and script \(got urls, urlsFile\)/],
    ['an empty URL list', { urls: [] }, /urls must list at least one page/],
    ['a URL that is not http', { urls: [{ url: 'ftp://x' }] }, /urls\[0\].url 'ftp:\/\/x' must be an http\(s\) URL/],
    ['a URL without its scheme, naming its site', { urls: [{ url: 'blog.example.com' }] },
      /^Test\/Sitespeed\/Shop: urls\[0\].url 'blog.example.com' must be an http\(s\) URL without spaces, such as 'https:\/\/blog.example.com'/],
    ['the same page twice', { urls: [{ url: 'https://a.example/' }, { url: 'HTTPS://a.example/' }] }, /urls\[1\].url 'HTTPS:\/\/a.example\/' repeats urls\[0\]: each page is tested once a run/],
    ['one alias for two pages', { urls: [{ url: 'https://a.example/', alias: 'home' }, { url: 'https://b.example/', alias: 'home' }] },
      /urls\[1\].alias 'home' repeats urls\[0\].alias: two pages would write the same report folder and Graphite keys/],
    ['aliases on some URLs only', { urls: [{ url: 'https://a/', alias: 'a' }, { url: 'https://b/' }] }, /give an alias to every entry of urls or to none \(1 of 2/],
    ['a bad alias', { urls: [{ url: 'https://a/', alias: 'a b' }] }, /urls\[0\].alias 'a b' must be/],
    ['a key outside the config prefix', { urls: undefined, urlsFile: '../etc/passwd' }, /urlsFile '..\/etc\/passwd' must be a key relative to the config prefix/],
    ['an absolute key', { urls: undefined, urlsFile: '/urls.txt' }, /urlsFile '\/urls.txt' must be a key relative/],
    ['a script that is not JavaScript', { urls: undefined, script: 'journey.py' }, /script 'journey.py' must end in .js, .cjs or .mjs/],
    ['a slug with a dot', { slug: 'shop.eu' }, /slug 'shop.eu' must be 1–200 characters of \[a-zA-Z0-9_-\]/],
    ['a slug too long', { slug: 'a'.repeat(201) }, /must be 1–200 characters/],
    ['zero iterations', { iterations: 0 }, /iterations \(0\) must be a whole number from 1 to 100/],
    ['a port out of range', { graphiteHost: 'g', graphitePort: 70000 }, /graphitePort \(70000\) must be a TCP port/],
    ['a bad namespace', { graphiteNamespace: 'a..b' }, /graphiteNamespace 'a..b' must be dot-separated parts/],
    // Values sitespeed.io gets as arguments of their own: one starting with '-' would be read as an option.
    ['a slug that reads as an option', { slug: '-shop' }, /slug '-shop' must be 1–200 characters of \[a-zA-Z0-9_-\], not starting with '-'/],
    ['an alias that reads as an option', { urls: [{ url: 'https://a/', alias: '--b' }] }, /urls\[0\].alias '--b' must be 1–100 characters of \[A-Za-z0-9_-\], not starting with '-'/],
    ['a namespace that reads as an option', { graphiteNamespace: '-x.y' }, /graphiteNamespace '-x.y' must be dot-separated parts of \[A-Za-z0-9_-\], not starting with '-'/],
    ['a Graphite host that reads as an option', { graphiteHost: '--graphite.port' }, /graphiteHost '--graphite.port' must be a host name or IPv4 address/],
    ['a result URL that is not http', { resultBaseUrl: 'reports.example.com' }, /resultBaseUrl 'reports.example.com' must be an http\(s\) URL/],
    ['a config key that a prop owns', { config: { browsertime: { iterations: 3 } } }, /config: 'browsertime.iterations' is set by cdk-sitespeed; use the iterations prop/],
    ['an arg that breaks report folders', { sitespeedArgs: ['--outputFolder', '/tmp/x'] }, /sitespeedArgs: 'outputFolder' is not allowed/],
    ['an option and its value in one element', { sitespeedArgs: ['--plugins.remove screenshot'] },
      /sitespeedArgs\[0\] '--plugins.remove screenshot' holds an option and its value in one element; give them as separate elements: '--plugins.remove', 'screenshot'/],
  ])('%s', (_name, options, message) => {
    expect(() => site(options as Partial<ScheduledSiteOptions>)).toThrow(message);
  });

  test('runs whose arguments exceed RunTask\'s 8192 characters of overrides fail at synth, saying what to do', () => {
    const urls = Array.from({ length: 120 }, (_, i) => ({ url: `https://shop.example.com/products/category-${i}/a-rather-long-product-page-name` }));
    const big = site({ urls });
    expect(() => big.template).toThrow(/the runs of shop take about \d{4,} characters of RunTask overrides, and ECS allows 8192: every run would fail\. Put the URLs in a file in the config folder \(urlsFile/);
    const fine = site({ urls: urls.slice(0, 40) });
    expect(() => fine.template).not.toThrow();
  });

  test('a custom connectivity profile needs bandwidth and whole numbers', () => {
    expect(() => ConnectivityProfile.custom({ downKbps: 0, upKbps: 1, rttMs: 1 })).toThrow(/downKbps and upKbps must be above 0/);
    expect(() => ConnectivityProfile.custom({ downKbps: 1, upKbps: 1, rttMs: -5 })).toThrow(/rttMs \(-5\) must be a whole number, 0 or more/);
  });

  test('a namespace that is not two parts gets a warning', () => {
    const { stack } = site({ graphiteNamespace: 'sitespeed' });
    Annotations.fromStack(stack).hasWarning('/Test/Sitespeed/Shop', Match.stringLikeRegexp('does not have two parts'));
  });
});

test('cdk-nag: the runner, its queue and the schedules add no unacknowledged finding', () => {
  const { stack } = site();
  const nag = runNag(stack as Stack);
  expect(nag.errors.filter(e => e.path.startsWith('Test/Sitespeed/'))).toEqual([]);
});

describe('per-site metrics cost money: opt-in', () => {
  const envOf = (template: Template, description: RegExp) => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(f => description.test(f.Properties.Description))!;
    return fn.Properties.Environment.Variables;
  };

  test('by default no site has them: the run outcome and runTask functions get an empty SITE_METRICS', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc });
    cluster.addSite('Docs', { schedule: ScheduleExpression.rate(Duration.hours(1)), urls: [{ url: 'https://docs.example.com/' }] });
    const template = Template.fromStack(stack);
    expect(envOf(template, /outcome on the default event bus/).SITE_METRICS).toBe('[]');
    expect(envOf(template, /starts a sitespeed.io run/).SITE_METRICS).toBe('[]');
  });

  test('a site or a whole cluster turns them on, a site can turn them off, and sites added later count', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, siteMetrics: true });
    const hourly = { schedule: ScheduleExpression.rate(Duration.hours(1)) };
    cluster.addSite('Docs', { ...hourly, urls: [{ url: 'https://docs.example.com/' }] });
    cluster.addSite('Shop', { ...hourly, urls: [{ url: 'https://shop.example.com/' }], siteMetrics: false });
    cluster.addSite('Blog', { ...hourly, urls: [{ url: 'https://blog.example.com/' }] });
    const template = Template.fromStack(stack);
    expect(JSON.parse(envOf(template, /outcome on the default event bus/).SITE_METRICS)).toEqual(['docs', 'blog']);
    expect(JSON.parse(envOf(template, /starts a sitespeed.io run/).SITE_METRICS)).toEqual(['docs', 'blog']);

    const other = stackWithVpc();
    const plain = new SitespeedCluster(other.stack, 'Sitespeed', { vpc: other.vpc });
    plain.addSite('Docs', { ...hourly, urls: [{ url: 'https://docs.example.com/' }], siteMetrics: true });
    expect(JSON.parse(envOf(Template.fromStack(other.stack), /outcome on the default event bus/).SITE_METRICS)).toEqual(['docs']);
  });
});

describe('options the pinned sitespeed.io does not declare: a warning with the likely meant one', () => {
  const warningsOf = (options: Partial<ScheduledSiteOptions>) =>
    Annotations.fromStack(site(options).stack).findWarning('*', Match.stringLikeRegexp('cdk-sitespeed:unknownOption')).map(w => String(w.entry.data));

  test.each([
    ['a snake_case config key', { config: { browsertime: { visual_metrics: true } } }, /config: 'browsertime.visual_metrics' is not an option sitespeed.io 42.7.0 declares.*did you mean 'browsertime.visualMetrics'\?/],
    ['a typo in sitespeedArgs', { sitespeedArgs: ['--browsertime.viewprt', '1280x720'] }, /sitespeedArgs: 'browsertime.viewprt' is not an option .*did you mean 'browsertime.viewPort'\?/],
    ['a misspelt plugin option', { sitespeedArgs: ['--plugins.remov', 'screenshot'] }, /'plugins.remov' .*did you mean 'plugins.remove'\?/],
    ['a name with no near miss', { config: { myplugin: { level: 3 } } }, /config: 'myplugin.level' is not an option sitespeed.io 42.7.0 declares, so it may do nothing at run time\. Acknowledge/],
  ])('%s', (_name, options, message) => {
    const warnings = warningsOf(options as Partial<ScheduledSiteOptions>);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(message);
  });

  test('declared options, their aliases and --no- forms warn of nothing', () => {
    expect(warningsOf({ config: { browsertime: { firefox: { includeResponseBodies: 'html' } } }, sitespeedArgs: ['--plugins.remove', 'screenshot', '--no-html.showAllWaterfallSummary', '-v'] }))
      .toEqual([]);
  });
});
