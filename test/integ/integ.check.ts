/**
 * The integ test of a minimal deployment, in aws-cdk's style (@aws-cdk/integ-tests-alpha, run by
 * integ-runner): a VPC, Graphite and Grafana, a cluster with one site and the calendar; its
 * assertions run the site now (its runTask function with the site's own run request), wait for
 * the report in S3 and the run in the calendar's index. docs/check.md says how a maintainer
 * runs it against an account and what it costs. Its snapshot (integ.check.ts.snapshot/) is
 * compared with a fresh synth by test/integ/integ-snapshot.test.ts, offline.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { GraphiteGrafana, ReportTree, SitespeedCluster } from '../../src';

export const INTEG_STACK = 'cdk-sitespeed-integ-check';
const SLUG = 'example';

export function buildIntegApp(app: App): IntegTest {
  const stack = new Stack(app, INTEG_STACK);
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  // A test deployment: everything goes with the stack (a user's keeps its metrics and reports).
  const metrics = new GraphiteGrafana(stack, 'Metrics', { vpc, removalPolicy: RemovalPolicy.DESTROY });
  const reportsBucket = new s3.Bucket(stack, 'Reports', {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  const cluster = new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics, reportsBucket, maxCapacity: 1 });
  new ReportTree(stack, 'Calendar', { cluster });
  const site = cluster.addSite('Example', {
    // Off: the assertions start the one run.
    schedule: ScheduleExpression.rate(Duration.days(1)),
    enabled: false,
    urls: [{ url: 'https://www.example.com/' }],
    iterations: 1,
  });

  const integ = new IntegTest(app, 'Check', {
    testCases: [stack],
    diffAssets: false,
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
  const run = integ.assertions.invokeFunction({ functionName: cluster.runTaskFunction.functionName, payload: site.runRequest });
  run.expect(ExpectedResult.objectLike({ StatusCode: 200 }));
  // A cold cluster first starts an instance (managed scaling), then the run takes a few minutes.
  const wait = { totalTimeout: Duration.minutes(40), interval: Duration.seconds(30) };
  const report = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: reportsBucket.bucketName, Prefix: `${SLUG}/` });
  report.assertAtPath('Contents.0.Key', ExpectedResult.stringLikeRegexp(`^${SLUG}/\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}/`)).waitForAssertions(wait);
  // The run in its site's index file (lambda-src/report-index/index-files.ts), which the viewer reads.
  const calendar = integ.assertions.awsApiCall('S3', 'getObject', { Bucket: reportsBucket.bucketName, Key: `.cdk-sitespeed/index/sites/${SLUG}.json` });
  calendar.assertAtPath('Body', ExpectedResult.stringLikeRegexp('"runs":\\[\\{"run":"\\d{4}-')).waitForAssertions(wait);
  run.next(report).next(calendar);
  return integ;
}

if (require.main === module) {
  const app = new App();
  buildIntegApp(app);
  app.synth();
}
