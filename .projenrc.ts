import { awscdk, javascript, JsonFile, DependencyType } from 'projen';

// The floor users may run with; below 2.257 cfn-lint fails on a built-in python3.9 Lambda and
// cdk-nag 3 does not load (both tried here: cfn-lint:example and the nag tests fail). We develop and test against the newest release that is on
// both npm and PyPI, so the Python bindings test (npm run test:python) compares like with like.
const CDK_FLOOR = '2.257.0';
const CDK_DEV = '2.275.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-sitespeed',
  description:
    'Scheduled sitespeed.io web-performance tests on your own AWS account: ECS on EC2 that scales to zero, Graphite + Grafana, S3 reports with a calendar viewer.',
  author: 'cdk-sitespeed contributors',
  authorAddress: 'cdk-sitespeed@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-sitespeed/cdk-sitespeed.git',
  keywords: ['cdk', 'awscdk', 'sitespeed.io', 'web performance', 'ecs', 'grafana', 'graphite'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  cdkVersion: CDK_FLOOR,
  jsiiVersion: '~6.0.0',
  constructsVersion: '10.5.1',
  // Without this projen pins the dev dependency to the peer floor; we test against CDK_DEV.
  peerDependencyOptions: { pinnedDevDependency: false },

  publishToPypi: {
    distName: 'cdk-sitespeed',
    module: 'cdk_sitespeed',
  },

  // Lambda handlers live in lambda-src/ and are registered one by one below.
  lambdaAutoDiscover: false,

  devDeps: [
    'cdk-nag@^3.0.2',
    'aws-cdk@^2',
    '@types/node@^22',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-ecs@^3',
    '@aws-sdk/client-ec2@^3',
    '@aws-sdk/client-ssm@^3',
    '@aws-sdk/client-auto-scaling@^3',
    '@aws-sdk/client-cloudformation@^3',
    '@aws-sdk/client-cloudwatch@^3',
    '@aws-sdk/client-eventbridge@^3',
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/client-sns@^3',
    '@aws-sdk/client-iam@^3',
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-scheduler@^3',
    '@aws-sdk/client-sqs@^3',
    '@aws-sdk/client-pricing@^3',
    'aws-sdk-client-mock@^4',
    'flatpickr@^4.6.13',
    // The viewer's trend chart (viewer/trend-chart.ts): small, no dependencies, MIT.
    'uplot@^1.6.32',
    'playwright-core@^1.65.1',
    // The newest served here; its peer range takes the aws-cdk-lib we develop against.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
  ],

  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
      testTimeout: 120_000,
    },
  },
  eslintOptions: {
    dirs: ['src'],
    // lambda-src is bundled into assets/, so its imports are build-time (dev) dependencies.
    devdirs: ['lambda-src', 'cli-src', 'test', 'examples', 'bench', 'viewer'],
  },
  tsconfigDev: {
    // Paths are relative to test/, where projen writes the dev tsconfig of a jsii project.
    include: ['../src/**/*.ts', '../lambda-src/**/*.ts', '../cli-src/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts', '../viewer/**/*.ts'],
    // The viewer and its browser test use the DOM; the jsii compile of src/ does not see this.
    compilerOptions: { lib: ['es2022', 'dom'] },
  },
  gitignore: ['/.e2e/', '/build/', '/cdk.out/', '/test-artifacts/', '/.venv*/', '/dist-python/', '/.sitespeed-cli/'],
  // No GitHub in this workplace; CI is .ci/run.
  github: false,
  release: false,
});

// Develop against the newest aws-cdk-lib while the peer dependency keeps the floor.
project.deps.addDependency(`aws-cdk-lib@${CDK_DEV}`, DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);

// Lambda handlers: lambda-src/*.lambda.ts, bundled by esbuild into assets/ at build time and
// shipped in the package (users need neither esbuild nor Docker). The SDK is bundled too:
// what the tests run is what Lambda runs, whatever SDK version the runtime carries.
const LAMBDA_RUNTIME = new awscdk.LambdaRuntime('nodejs24.x', 'node24', { defaultExternals: [] });
// Minified, and from the SDK's ESM entry points (module before main), which esbuild can
// tree-shake: about a quarter of the size and of the load time (npm run bench). LambdaFunction
// passes these on to Bundler.addBundle, though its own type names only sourcemap and externals.
const LAMBDA_BUNDLING: Omit<javascript.AddBundleOptions, 'target' | 'platform'> = {
  sourcemap: true,
  minify: true,
  mainFields: ['module', 'main'],
};
for (const name of ['run-task', 'sync-config', 'report-index', 'cluster-teardown', 'ecs-service-role', 'run-outcome', 'site-alerts', 'deploy-marker']) {
  new awscdk.LambdaFunction(project, {
    entrypoint: `lambda-src/${name}.lambda.ts`,
    constructFile: `src/private/${name}-function.ts`,
    cdkDeps: project.cdkDeps,
    runtime: LAMBDA_RUNTIME,
    bundlingOptions: LAMBDA_BUNDLING,
  });
}

// `cdk-sitespeed check` (cli-src/): bundled with the SDK into assets/, run by bin/cdk-sitespeed
// (which falls back to ts-node in a source checkout that has not been built).
project.bundler.addBundle('cli-src/cdk-sitespeed.ts', {
  platform: 'node',
  target: 'node20',
  minify: true,
  mainFields: ['module', 'main'],
});

// The report viewer, built into assets/viewer: the site list's script and styles inlined into
// index.html (the list shows as soon as the summary arrives), the calendar (with its library)
// in .viewer/, loaded when a site is opened.
const bundleViewer = project.addTask('bundle:viewer', {
  description: 'Bundle the report viewer into assets/viewer',
  steps: [
    { exec: 'mkdir -p assets/viewer/.viewer build/viewer' },
    { exec: 'esbuild viewer/site-list.ts --bundle --minify --format=iife --target=es2019 --outfile=build/viewer/site-list.js --log-level=warning' },
    { exec: 'esbuild viewer/site-list.css --bundle --minify --outfile=build/viewer/site-list.css --log-level=warning' },
    { exec: 'node viewer/inline.js viewer/index.html build/viewer/site-list.css build/viewer/site-list.js assets/viewer/index.html' },
    { exec: 'esbuild viewer/calendar.ts --bundle --minify --format=iife --target=es2019 --outfile=assets/viewer/.viewer/calendar.js --log-level=warning' },
    { exec: 'esbuild viewer/calendar.css --bundle --minify --outfile=assets/viewer/.viewer/calendar.css --log-level=warning' },
    { exec: 'rm -f assets/viewer/.viewer/viewer.js assets/viewer/.viewer/viewer.css' },
  ],
});
project.bundler.bundleTask.spawn(bundleViewer);
project.npmignore?.exclude('/viewer/');

// The reference deployment, synthesized offline into cdk.out/ (README quick start).
const synthExample = project.addTask('synth:example', {
  description: 'Bundle the Lambda handlers and synthesize examples/app.ts into cdk.out/',
  env: { CDK_OUTDIR: 'cdk.out' },
});
synthExample.spawn(project.bundler.bundleTask);
synthExample.exec('ts-node --project test/tsconfig.json --transpile-only examples/app.ts');

new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'npx ts-node --project test/tsconfig.json --transpile-only examples/app.ts',
    output: 'cdk.out',
  },
});

// eslint's project service looks for the nearest tsconfig.json: give each dev-only folder one
// that extends the dev config (which includes them all).
for (const dir of ['examples', 'lambda-src', 'cli-src', 'bench', 'viewer']) {
  new JsonFile(project, `${dir}/tsconfig.json`, { obj: { extends: '../test/tsconfig.json' } });
}

// Lists every skipped test with its reason and fails the run on a skip without one.
project.jest?.addReporter(new javascript.JestReporter('<rootDir>/test/harness/skip-reporter.js'));

const testTools = project.addTask('test:tools', {
  description: "Install the pinned Python test tools into .venv-test/ and the pinned sitespeed.io's CLI module into .sitespeed-cli/ (quick when current)",
  exec: 'bash test/tools/bootstrap.sh',
});
// sitespeed.io's own option definitions at the pinned image's version: the tests parse rendered
// arguments with them, and the option guard's spellings are generated from them.
testTools.exec('bash test/sitespeed-cli/install.sh');

const sitespeedOptions = project.addTask('sitespeed:options', {
  description: "Regenerate src/contract/sitespeed-options.ts from the pinned sitespeed.io's option files (after changing its version)",
});
sitespeedOptions.spawn(testTools);
sitespeedOptions.exec('ts-node --project test/tsconfig.json --transpile-only test/sitespeed-cli/generate.ts');

project.addTask('python:names', {
  description: 'Regenerate src/private/python-names.ts (the camelCase members Python spells in snake_case) after changing the public API',
  exec: 'ts-node --project test/tsconfig.json --transpile-only test/tools/library-members.ts',
});

// After every compile: the construct, prop and method names the pages show exist in the .jsii jsii
// just wrote (npm test checks them against src/ with the TypeScript checker: a clone has no .jsii).
project.postCompileTask.spawn(project.addTask('docs:jsii', {
  description: 'Check that every library name README.md and docs/ show exists in the compiled .jsii',
  exec: 'ts-node --project test/tsconfig.json --transpile-only test/tools/docs-in-jsii.ts',
}));

const bench = project.addTask('bench', {
  description: 'Benchmarks: synth time against a plain aws-cdk-lib app, Lambda bundle size and load time',
});
bench.spawn(testTools);
bench.spawn(project.bundler.bundleTask);
bench.exec('ts-node --project test/tsconfig.json --transpile-only bench/run.ts');

// The Python tools the tests run (moto, cfn-lint, carbon, whisper, shellcheck) in .venv-test/,
// pinned in test/tools/requirements.txt: the test command brings them itself, no apt, no root.
const e2e = project.addTask('e2e', {
  description: 'End to end: the real sitespeed.io CLI with the arguments a ScheduledSite renders (needs chromium, chromium-driver)',
});
e2e.spawn(testTools);
e2e.exec('bash test/e2e/install-sitespeed.sh');
e2e.exec("jest --testMatch '<rootDir>/test/e2e/**/*.e2e.ts' --coverage=false --runInBand");

// The Python bindings, used as a Python user would (jsii-pacmak, wheel, venv), and the Python
// reference app compared template by template with the TypeScript one.
const testPython = project.addTask('test:python', {
  description: 'Build the Python wheel, synthesize examples/python/app.py in a venv and compare its templates with examples/app.ts',
});
testPython.spawn(project.bundler.bundleTask);
testPython.exec('bash test/python/run.sh');

const cfnLintExample = project.addTask('cfn-lint:example', {
  description: 'cfn-lint every template of the synthesized reference deployment (run synth:example first)',
});
cfnLintExample.spawn(testTools);
cfnLintExample.exec('ts-node --project test/tsconfig.json --transpile-only test/harness/cfn-lint-cli.ts cdk.out');

// The integ test (test/integ/integ.check.ts, aws-cdk's style): its snapshot is committed and
// compared offline by test/integ/integ-snapshot.test.ts; regenerate it after changing the test.
project.addTask('integ:snapshot', {
  description: 'Synthesize test/integ/integ.check.ts into its committed snapshot (templates and manifests)',
  exec: 'ts-node --project test/tsconfig.json --transpile-only test/integ/snapshot.ts',
});

// Type-check everything the jsii compile does not see: lambda-src, examples, bench, test.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, lambda-src, examples, bench and test',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
// Tests need the bundles in assets/ (the constructs point at them).
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(project.bundler.bundleTask);
project.testTask.prependSpawn(testTools);

// Shell that runs on instances ships with the package; lib/ code reads it at synth.
// The test tools and the e2e's sitespeed.io are git-ignored, but npm reads only .npmignore.
project.npmignore?.exclude('/.venv*/', '/.e2e/', '/.sitespeed-cli/', '/dist-python/', '/coverage/', '/build/');
project.npmignore?.exclude('/lambda-src/', '/cli-src/', '/examples/', '/bench/', '/.ci/', '/cdk.out/', '/test-artifacts/', '/cdk.json', '/CONTRIBUTING.md');
project.npmignore?.include('/shell/');

project.synth();
