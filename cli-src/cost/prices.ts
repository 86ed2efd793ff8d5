/**
 * The prices `cdk-sitespeed cost` uses: a shipped table for one region, or the same shape from a
 * JSON file (--prices).
 */
export interface PriceTable {
  readonly region: string;
  /** When the figures were taken, and from where. */
  readonly date: string;
  readonly source: string;
  /** On-demand Linux price per instance-hour, by instance type. */
  readonly instanceHour: Readonly<Record<string, number>>;
  /** EBS per GB-month by volume type; gp3 also per provisioned IOPS above 3,000 and MB/s above 125. */
  readonly ebsGbMonth: Readonly<Record<string, number>>;
  readonly gp3IopsMonth: number;
  readonly gp3ThroughputMbpsMonth: number;
  readonly snapshotGbMonth: number;
  readonly publicIpv4Hour: number;
  readonly secretMonth: number;
  readonly kmsKeyMonth: number;
  readonly hostedZoneMonth: number;
  /** A standard-resolution alarm, per metric it watches. */
  readonly alarmMetricMonth: number;
  /** A custom metric (first 10,000), prorated by the hours in which data is sent. */
  readonly customMetricMonth: number;
  readonly logsIngestGb: number;
  readonly s3GbMonth: number;
  readonly s3PutPer1000: number;
  readonly lambdaRequestPerMillion: number;
  readonly lambdaGbSecond: number;
  readonly natGatewayHour: number;
  readonly interfaceEndpointHour: number;
  readonly loadBalancerHour: number;
}

/** Hours in a month, as AWS's own monthly figures count them. */
export const HOURS_PER_MONTH = 730;

/**
 * us-east-1 on-demand list prices, compiled on the date below from the AWS pricing pages listed in
 * `source` (the machine that compiled them has no internet, so they were not fetched there: pass
 * a table of your own with --prices for another region, a discount or a newer figure).
 */
export const US_EAST_1: PriceTable = {
  region: 'us-east-1',
  date: '2026-12-06',
  source: 'aws.amazon.com/ec2/pricing/on-demand, /ebs/pricing, /vpc/pricing (public IPv4), /secrets-manager/pricing, /kms/pricing, ' +
    '/route53/pricing, /cloudwatch/pricing, /s3/pricing, /lambda/pricing (us-east-1 list prices, USD)',
  instanceHour: {
    't3.micro': 0.0104,
    't3.small': 0.0208,
    't3.medium': 0.0416,
    't3.large': 0.0832,
    't3.xlarge': 0.1664,
    't3a.small': 0.0188,
    't3a.medium': 0.0376,
    't3a.large': 0.0752,
    't4g.micro': 0.0084,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    't4g.large': 0.0672,
    'c5.large': 0.085,
    'c5.xlarge': 0.17,
    'c5.2xlarge': 0.34,
    'c5a.large': 0.077,
    'c5a.xlarge': 0.154,
    'c6i.large': 0.085,
    'c6i.xlarge': 0.17,
    'c6a.large': 0.0765,
    'c6a.xlarge': 0.153,
    'c7i.large': 0.08925,
    'c7i.xlarge': 0.1785,
    'c7a.large': 0.10264,
    'c6g.large': 0.068,
    'c6g.xlarge': 0.136,
    'c7g.large': 0.0725,
    'c7g.xlarge': 0.145,
    'm5.large': 0.096,
    'm5.xlarge': 0.192,
    'm6i.large': 0.096,
    'm6a.large': 0.0864,
    'm7i.large': 0.1008,
    'm6g.large': 0.077,
    'm7g.large': 0.0816,
    'r5.large': 0.126,
    'r6i.large': 0.126,
  },
  ebsGbMonth: { gp3: 0.08, gp2: 0.1, io1: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05 },
  gp3IopsMonth: 0.005,
  gp3ThroughputMbpsMonth: 0.04,
  snapshotGbMonth: 0.05,
  publicIpv4Hour: 0.005,
  secretMonth: 0.4,
  kmsKeyMonth: 1,
  hostedZoneMonth: 0.5,
  alarmMetricMonth: 0.1,
  customMetricMonth: 0.3,
  logsIngestGb: 0.5,
  s3GbMonth: 0.023,
  s3PutPer1000: 0.005,
  lambdaRequestPerMillion: 0.2,
  lambdaGbSecond: 0.0000166667,
  natGatewayHour: 0.045,
  interfaceEndpointHour: 0.01,
  loadBalancerHour: 0.0225,
};

const NUMBER_FIELDS = [
  'gp3IopsMonth', 'gp3ThroughputMbpsMonth', 'snapshotGbMonth', 'publicIpv4Hour', 'secretMonth', 'kmsKeyMonth', 'hostedZoneMonth',
  'alarmMetricMonth', 'customMetricMonth', 'logsIngestGb', 's3GbMonth', 's3PutPer1000', 'lambdaRequestPerMillion', 'lambdaGbSecond',
  'natGatewayHour', 'interfaceEndpointHour', 'loadBalancerHour',
] as const;

/**
 * A table read from a file (--prices): any field left out keeps the shipped figure, so a file of
 * only `{"region": "eu-north-1", "date": …, "source": …, "instanceHour": {…}}` works. Errors name the field.
 */
export function priceTableFrom(json: unknown, base: PriceTable = US_EAST_1): PriceTable {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('--prices: the file must hold a JSON object');
  const o = json as Record<string, unknown>;
  for (const field of ['region', 'date', 'source']) {
    if (typeof o[field] !== 'string' || !o[field]) throw new Error(`--prices: '${field}' must be a non-empty string (say where the figures come from)`);
  }
  for (const field of NUMBER_FIELDS) {
    if (o[field] !== undefined && !(typeof o[field] === 'number' && (o[field] as number) >= 0)) {
      throw new Error(`--prices: '${field}' must be a price of 0 or more (USD), got ${JSON.stringify(o[field])}`);
    }
  }
  for (const field of ['instanceHour', 'ebsGbMonth']) {
    const map = o[field];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Object.values(map).some(v => typeof v !== 'number' || v < 0)) {
      throw new Error(`--prices: '${field}' must map names to prices of 0 or more (USD), e.g. {"t3.small": 0.0208}`);
    }
  }
  return {
    ...base,
    ...o,
    instanceHour: { ...(o.region === base.region ? base.instanceHour : {}), ...(o.instanceHour as Record<string, number> | undefined) },
    ebsGbMonth: { ...base.ebsGbMonth, ...(o.ebsGbMonth as Record<string, number> | undefined) },
  } as PriceTable;
}
