/**
 * `cdk-sitespeed cost --price-list` against the Price List Query API's answers. moto has no
 * Pricing API, and this machine cannot reach AWS, so the answers are built here in the format the
 * API documents for GetProducts' PriceList items (a JSON document per product: `product.attributes`,
 * `terms.OnDemand.<sku>.<offer>.priceDimensions.<rate>.unit` and `.pricePerUnit.USD`, as strings);
 * they are not recordings.
 */
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { costCommand } from '../../cli-src/cdk-sitespeed';
import { onDemandUsd } from '../../cli-src/cost/price-list';
import { GraphiteGrafana, SitespeedCluster } from '../../src';
import { testApp } from '../harness/nag';

const product = (attributes: Record<string, string>, unit: string, usd: string) => JSON.stringify({
  product: { productFamily: attributes.productFamily ?? 'Compute Instance', attributes, sku: 'SKU1' },
  serviceCode: 'AmazonEC2',
  terms: {
    OnDemand: {
      'SKU1.JRTCKXETXF': {
        offerTermCode: 'JRTCKXETXF',
        sku: 'SKU1',
        priceDimensions: { 'SKU1.JRTCKXETXF.6YS6EN2CT7': { unit, pricePerUnit: { USD: usd }, description: `${usd} per ${unit}` } },
      },
    },
  },
  version: '20261201000000',
  publicationDate: '2026-12-01T00:00:00Z',
});

const pricing = mockClient(PricingClient);
afterAll(() => pricing.restore());

let dir: string;
beforeAll(() => {
  const app = testApp();
  dir = app.outdir;
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-north-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const metrics = new GraphiteGrafana(stack, 'Metrics', { vpc });
  new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics });
  app.synth();
});

beforeEach(() => {
  pricing.reset();
  pricing.on(GetProductsCommand).callsFake(input => {
    const value = (field: string) => input.Filters.find((f: any) => f.Field === field)?.Value;
    if (value('regionCode') !== 'eu-north-1') return { PriceList: [] };
    const hourly: Record<string, string> = { 't4g.small': '0.0172000000', 'c5.large': '0.0910000000' };
    if (value('instanceType')) {
      const usd = hourly[value('instanceType')];
      // A reserved-style zero line first: only a positive on-demand price of the unit counts.
      return { PriceList: usd ? [product({ instanceType: value('instanceType') }, 'Hrs', '0.0000000000'), product({ instanceType: value('instanceType') }, 'Hrs', usd)] : [] };
    }
    if (value('volumeApiName') === 'gp3') return { PriceList: [product({ productFamily: 'Storage', volumeApiName: 'gp3' }, 'GB-Mo', '0.0836000000')] };
    return { PriceList: [] };
  });
});

const run = async (args: string[]) => {
  let out = '';
  let err = '';
  const code = await costCommand(args, { out: t => (out += `${t}\n`), err: t => (err += t), tty: false }, () => new PricingClient({ region: 'us-east-1' }));
  return { code, out, err };
};

test('the stacks\' region, instance types and gp3 are priced from the API; the rest from the shipped table, and the report says so', async () => {
  const { code, out } = await run([dir, '--price-list', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(out);
  expect(report.prices).toMatchObject({ region: 'eu-north-1', instanceHour: { 't4g.small': 0.0172, 'c5.large': 0.091 }, ebsGbMonth: { gp3: 0.0836 } });
  expect(report.prices.source).toMatch(/^AWS Price List API \(GetProducts, AmazonEC2\) for the instances and gp3 in eu-north-1; everything else from the shipped us-east-1 table/);
  const metrics = report.fixed.find((l: any) => /^t4g\.small/.test(l.item));
  expect(metrics.monthly).toBeCloseTo(730 * 0.0172, 6);
  expect(report.notes.join('\n')).not.toMatch(/but the prices are/);
  const calls = pricing.commandCalls(GetProductsCommand).map(c => c.args[0].input);
  expect(calls.every(c => c.ServiceCode === 'AmazonEC2')).toBe(true);
  expect(calls.find(c => c.Filters!.some(f => f.Value === 't4g.small'))!.Filters).toEqual(expect.arrayContaining([
    { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' }, { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
  ]));
});

test('without --price-list the shipped table is used, and a note says the stacks deploy elsewhere', async () => {
  const { out } = await run([dir]);
  expect(out).toMatch(/^Note: The stacks deploy to eu-north-1, but the prices are us-east-1's: pass that region's table with --prices, or --price-list\.$/m);
  expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(0);
});

test('a region the API has no price for, missing credentials and a refusal each end in one line that says what to do', async () => {
  expect(await run([dir, '--price-list', '--region', 'xx-nowhere-1'])).toMatchObject({
    code: 2, err: expect.stringMatching(/^cdk-sitespeed cost: --price-list: the Price List API has no on-demand Linux price for 'c5\.large' in xx-nowhere-1\n/),
  });
  pricing.on(GetProductsCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
  expect(await run([dir, '--price-list'])).toMatchObject({
    code: 2, err: expect.stringMatching(/^cdk-sitespeed cost: --price-list needs AWS credentials \(none were found: set AWS_PROFILE or run `aws sso login`\); leave it out/),
  });
  pricing.on(GetProductsCommand).rejects(Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' }));
  expect((await run([dir, '--price-list'])).err).toMatch(/the Price List API answered AccessDeniedException: .* \(the caller needs pricing:GetProducts\)/);
});

test('environment-agnostic stacks need --region', async () => {
  const app = testApp();
  const agnostic = app.outdir;
  new ec2.Vpc(new Stack(app, 'Agnostic'), 'Vpc', { natGateways: 0 });
  app.synth();
  expect(await run([agnostic, '--price-list'])).toMatchObject({ code: 2, err: expect.stringMatching(/environment-agnostic; name the region to price with --region/) });
});

test('onDemandUsd takes the first positive price of the unit, whatever the SDK hands over (strings or documents)', () => {
  expect(onDemandUsd([product({}, 'Hrs', '0.0416')], 'Hrs')).toBe(0.0416);
  expect(onDemandUsd([JSON.parse(product({}, 'Hrs', '0.0416'))], 'Hrs')).toBe(0.0416);
  expect(onDemandUsd([product({}, 'GB-Mo', '0.08')], 'Hrs')).toBeUndefined();
  expect(onDemandUsd(undefined, 'Hrs')).toBeUndefined();
});
