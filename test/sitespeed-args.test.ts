import { configArgs, declaredOption, optionNames, renderRunArgs, runArgsProblems, RunArgsInput } from '../src/contract/sitespeed-args';

const base: RunArgsInput = {
  slug: 'shop',
  inputs: ['https://shop.example.com/'],
  urlAliases: [],
  iterations: 5,
  browser: 'chrome',
  connectivity: [],
  mobile: false,
  config: {},
  extraArgs: [],
  reportsBucketName: 'reports',
  region: 'eu-north-1',
};

describe('renderRunArgs', () => {
  test('the minimal run: URL, iterations, browser, and reports in <bucket>/<slug>/<timestamp> UTC', () => {
    expect(renderRunArgs(base)).toEqual([
      'https://shop.example.com/',
      '--browsertime.iterations', '5',
      '--browsertime.browser', 'chrome',
      '--slug', 'shop', '--utc', 'true',
      '--s3.bucketname', 'reports', '--s3.region', 'eu-north-1',
    ]);
  });

  test('every typed option, in a stable order, with extra args last', () => {
    expect(renderRunArgs({
      ...base,
      inputs: ['https://a.example/', 'https://a.example/b'],
      urlAliases: ['home', 'b'],
      browser: 'firefox',
      connectivity: ['--browsertime.connectivity.profile', 'cable'],
      mobile: true,
      budgetConfigPath: '/config/budget.json',
      graphite: { host: 'graphite.internal', port: 2003, namespace: 'sitespeed_io.prod' },
      config: { browsertime: { firefox: { includeResponseBodies: 'html' } } },
      resultBaseUrl: 'https://reports.example.com',
      extraArgs: ['--plugins.remove', 'screenshot'],
    })).toEqual([
      'https://a.example/', 'https://a.example/b',
      '--urlAlias', 'home', '--urlAlias', 'b',
      '--browsertime.iterations', '5',
      '--browsertime.browser', 'firefox',
      '--browsertime.connectivity.profile', 'cable',
      '--mobile', 'true',
      '--budget.configPath', '/config/budget.json', '--budget.output', 'json',
      '--graphite.host', 'graphite.internal', '--graphite.port', '2003', '--graphite.namespace', 'sitespeed_io.prod',
      '--browsertime.firefox.includeResponseBodies=html',
      '--slug', 'shop', '--utc', 'true',
      '--s3.bucketname', 'reports', '--s3.region', 'eu-north-1',
      '--resultBaseURL', 'https://reports.example.com',
      '--plugins.remove', 'screenshot',
    ]);
  });

  test('runTask accepts what the renderer writes: one --urlAlias per URL, and no more', () => {
    const args = renderRunArgs({ ...base, inputs: ['https://a.example/', 'https://a.example/b'], urlAliases: ['home', 'b'] });
    expect(runArgsProblems('shop', args)).toEqual([]);
    const three = ['https://a.example/', 'https://a.example/b', '--urlAlias', 'a', '--urlAlias', 'b', '--urlAlias', 'c', '--slug', 'shop'];
    expect(runArgsProblems('shop', three)).toEqual([expect.stringMatching(/^'urlAlias' is given 3 times for 2 URL\(s\)/)]);
  });

  test('an argument with spaces stays one element', () => {
    const args = renderRunArgs({ ...base, extraArgs: ['--browsertime.userAgent', 'Mozilla/5.0 (X11; Linux) test'] });
    expect(args.slice(-1)).toEqual(['Mozilla/5.0 (X11; Linux) test']);
  });

  test.each([
    ['--outputFolder', /'outputFolder' is not allowed: it drops the <timestamp> folder/],
    ['--s3.path=x', /'s3.path' is not allowed: it replaces <slug>\/<timestamp>/],
    ['--s3.key', /'s3.key' is not allowed: the task role supplies credentials/],
    ['--slug', /sitespeedArgs: 'slug' is set by cdk-sitespeed; use the slug prop instead/],
    ['-n', /'n' \(sitespeed.io's 'browsertime.iterations'\) is set by cdk-sitespeed; use the iterations prop/],
    ['--browsertime.iterations=3', /use the iterations prop/],
    ['--graphite.host', /use the graphiteHost prop/],
  ])('sitespeedArgs may not set %s', (arg, message) => {
    expect(() => renderRunArgs({ ...base, extraArgs: [arg, 'x'] })).toThrow(message);
  });
});

describe('configArgs', () => {
  test('nested objects become dotted options, arrays repeat, values keep their text', () => {
    expect(configArgs({
      browsertime: { chrome: { args: ['no-sandbox', 'disable-gpu'] }, pageCompleteCheckInactivity: true },
      html: { showAllWaterfallSummary: false },
      plugins: { add: ['-dash-leading'] },
      crux: { formFactor: 'PHONE' },
    })).toEqual([
      '--browsertime.chrome.args=no-sandbox',
      '--browsertime.chrome.args=disable-gpu',
      '--browsertime.pageCompleteCheckInactivity=true',
      '--html.showAllWaterfallSummary=false',
      '--plugins.add=-dash-leading',
      '--crux.formFactor=PHONE',
    ]);
  });

  test.each([
    [{ browsertime: { iterations: 3 } }, /config: 'browsertime.iterations' is set by cdk-sitespeed; use the iterations prop/],
    [{ s3: { path: 'x' } }, /config: 's3.path' is not allowed/],
    [{ a: null }, /config: 'a' is null; leave the key out/],
    [{ a: [{ b: 1 }] }, /config: 'a\[0\]' is an object/],
    [{ 'a b': 1 }, /config: key 'a b' under '\(root\)' is not an option name/],
    [{ a: {} }, /config: 'a' is an empty object/],
  ])('refuses %j', (config, message) => {
    expect(() => configArgs(config)).toThrow(message);
  });
});

test('optionNames reads long, long=value and short options', () => {
  expect(optionNames(['--a.b', 'v', '--c=d', '-n', '3', 'https://x/'])).toEqual(['a.b', 'c', 'n']);
});

test('optionNames reads short options grouped behind one dash as yargs does, and a bare --', () => {
  expect(optionNames(['-bn3'])).toEqual(['b', 'n']);
  expect(optionNames(['-n3'])).toEqual(['n']);
  expect(optionNames(['-c=3g'])).toEqual(['c']);
  expect(optionNames(['-vvv'])).toEqual(['v', 'v', 'v']);
  expect(optionNames(['-5', '--'])).toEqual(['']);
});

test.each([
  ['-n', 'browsertime.iterations'],
  ['no-utc', 'utc'],
  ['latency', 'browsertime.connectivity.rtt'],
  ['connectivity.engine', 'browsertime.connectivity.engine'],
  ['resultBaseUrl', 'resultBaseURL'],
  ['V', 'version'],
  ['plugins.remove', 'plugins.remove'],
])('declaredOption(%s) is %s', (spelling, declared) => {
  expect(declaredOption(spelling.replace(/^-/, ''))).toBe(declared);
});

test.each([
  [['--no-utc'], /'no-utc' \(sitespeed.io's 'utc'\) is set by cdk-sitespeed/],
  [['-bn3'], /'b' \(sitespeed.io's 'browsertime.browser'\) is set by cdk-sitespeed; use the browser prop/],
  [['--latency', '5'], /'latency' \(sitespeed.io's 'browsertime.connectivity.rtt'\) is set by cdk-sitespeed; use ConnectivityProfile.custom\(\)/],
  [['--browsertime.connectivity.alias', 'fast'], /'browsertime.connectivity.alias' is set by cdk-sitespeed; use the connectivityProfile prop/],
  [['--graphite.addSlugToKey', 'false'], /'graphite.addSlugToKey' is not allowed: the slug in every Graphite key keeps sites apart/],
  [['--basicAuth', 'u@p'], /'basicAuth' \(sitespeed.io's 'browsertime.basicAuth'\) is not allowed: it is a credential: .*ConfigSync.*'--config'/],
  [['--slack.hookUrl', 'https://hooks'], /'slack.hookUrl' is not allowed: it is a credential/],
  [['-h'], /'h' \(sitespeed.io's 'help'\) is not allowed: sitespeed.io prints its help and exits without testing/],
  [['--', '--s3.path', 'x'], /sitespeedArgs: a bare '--' ends sitespeed.io's options/],
])('sitespeedArgs %j: every spelling of a guarded option is caught', (extraArgs, message) => {
  expect(() => renderRunArgs({ ...base, extraArgs })).toThrow(message);
});

test.each([
  [{ n: 3 }, /config: 'n' \(sitespeed.io's 'browsertime.iterations'\) is set by cdk-sitespeed/],
  [{ connectivity: { engine: 'throttle' } }, /config: 'connectivity.engine' \(sitespeed.io's 'browsertime.connectivity.engine'\) is set by cdk-sitespeed/],
  [{ graphite: { auth: 'u:p' } }, /config: 'graphite.auth' is not allowed: it is a credential/],
])('config %j: every spelling of a guarded option is caught', (config, message) => {
  expect(() => configArgs(config)).toThrow(message);
});
