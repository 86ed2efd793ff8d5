import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SITESPEED_PARTS, SitespeedPart, SitespeedStack } from '../examples/app';
import { MetricsStack } from '../src';
import { testApp } from './harness/nag';

/*
 * The reference deployment's test stack (prod: running, with alerts), its parts after the
 * clusters — ReportTree, ConfigSync, the sites, SiteAlerts — created in every order: no construct
 * may depend on another's creation order, so every order gives the same template. Only the order
 * of the template's keys may differ (a JSON object's), which toEqual does not see.
 */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map(rest => [item, ...rest]));
}

function testStackTemplate(partOrder: readonly SitespeedPart[]): object {
  const app = testApp({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
  const env = { account: '123456789012', region: 'eu-north-1' };
  const network = new Stack(app, 'Network', { env });
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const metrics = new MetricsStack(app, 'Metrics', { env, vpc, running: true, graphiteNamespace: 'sitespeed_io.prod' });
  const stack = new SitespeedStack(app, 'Sitespeed', { env, vpc, metrics, running: true, alertEmails: ['oncall@example.com'], partOrder });
  return Template.fromStack(stack).toJSON();
}

test('the reference test stack is the same template whatever the order of its ReportTree, ConfigSync, sites, SiteAlerts and DeployMarkers', () => {
  // Every order of the first four parts (24 synths, not 120), with DeployMarkers at each place in turn.
  const others = SITESPEED_PARTS.filter(p => p !== 'markers');
  const orders = permutations(others).map((order, i) => [...order.slice(0, i % 5), 'markers' as const, ...order.slice(i % 5)]);
  expect(orders).toHaveLength(24);
  expect(new Set(orders.map(o => o.indexOf('markers')))).toEqual(new Set([0, 1, 2, 3, 4]));
  const reference = testStackTemplate(SITESPEED_PARTS);
  // What the parts add is in it: the comparison would mean little otherwise.
  const resources = Object.values((reference as any).Resources).map((r: any) => r.Type);
  expect(resources.filter(t => t === 'AWS::Scheduler::Schedule')).toHaveLength(5);
  expect(resources.filter(t => t === 'AWS::CloudWatch::Alarm')).toHaveLength(14);
  expect(resources.filter(t => t === 'AWS::Events::Rule').length).toBeGreaterThan(0);
  // DeployMarkers' function lists every site whatever came first.
  const markers = Object.values<any>((reference as any).Resources).find(r => /deploy markers/.test(r.Properties?.Description ?? ''));
  expect(JSON.parse(markers.Properties.Environment.Variables.SITES)).toEqual([['sitespeed_io.prod', ['shop', 'blog', 'docs', 'checkout']]]);
  for (const order of orders) {
    expect({ order, template: testStackTemplate(order) }).toEqual({ order, template: reference });
  }
});
