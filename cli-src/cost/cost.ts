/**
 * `cdk-sitespeed cost <cdk.out>`: what a synthesized deployment costs a month, per stack and
 * resource, and what one run of each site costs, before anything is deployed. Reads files only
 * (and a price table: the shipped one, or --prices).
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { PricingClient } from '@aws-sdk/client-pricing';
import { readAssembly, selectStacks, SynthesizedStack } from './assembly';
import { Assumptions, DEFAULT_ASSUMPTIONS, describeAssumptions } from './assumptions';
import { CostReport, costOf } from './model';
import { PRICE_LIST_ENDPOINT_REGION, priceListTable } from './price-list';
import { PriceTable, priceTableFrom, US_EAST_1 } from './prices';

export const COST_USAGE = `Usage: cdk-sitespeed cost [CLOUD_ASSEMBLY] [options]

Prints what a synthesized deployment costs, before you deploy it: per stack, the fixed monthly
cost resource by resource (instances for the hours their schedules keep them, volumes, backups,
public IPv4 addresses, secrets, keys, hosted zones, alarms, Container Insights, flow logs, run
metrics), and per site the cost of one run and of a month of runs (instance time, the scale-out a
run without a warm instance triggers, S3, Lambda), with the prices and assumptions it used.

CLOUD_ASSEMBLY is the folder \`cdk synth\` wrote (default: cdk.out).

Options:
  --stack NAME               only these stacks (repeat; '*' matches, e.g. 'prod-*'); default: all
  --prices FILE              a price table (JSON; see docs/costs.md) instead of the shipped us-east-1 one
  --price-list               read the instance and gp3 prices of the stacks' region from the AWS Price
                             List API (needs credentials allowed pricing:GetProducts; the rest stays
                             the shipped table's, or --prices')
  --region REGION            the region to price when the stacks are environment-agnostic
  --json                     print the report as JSON
  --seconds-per-iteration N  one page iteration (default ${DEFAULT_ASSUMPTIONS.secondsPerIteration})
  --run-overhead-seconds N   per run besides the iterations (default ${DEFAULT_ASSUMPTIONS.runOverheadSeconds})
  --cold-start-minutes N     a run that finds no warm instance waits this long for one (default ${DEFAULT_ASSUMPTIONS.coldStartMinutes})
  --pages-per-file N         pages of a site that tests a URL file or a script (default ${DEFAULT_ASSUMPTIONS.pagesPerFile})
  --flow-log-gb N            rejected traffic a flow log ingests a month (default ${DEFAULT_ASSUMPTIONS.flowLogGbMonth})
  --help                     this text

Exit codes: 0 printed, 2 usage or unreadable input.`;

export interface CostOptions {
  readonly assembly: string;
  readonly stacks: string[];
  readonly pricesFile?: string;
  readonly priceList: boolean;
  readonly region?: string;
  readonly json: boolean;
  readonly help: boolean;
  readonly assumptions: Assumptions;
}

export class CostUsageError extends Error {}

const NUMERIC: Array<[string, keyof Assumptions]> = [
  ['seconds-per-iteration', 'secondsPerIteration'],
  ['run-overhead-seconds', 'runOverheadSeconds'],
  ['cold-start-minutes', 'coldStartMinutes'],
  ['pages-per-file', 'pagesPerFile'],
  ['flow-log-gb', 'flowLogGbMonth'],
];

export function parseCostOptions(argv: string[]): CostOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'stack': { type: 'string', multiple: true },
        'prices': { type: 'string' },
        'price-list': { type: 'boolean' },
        'region': { type: 'string' },
        'json': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
        ...Object.fromEntries(NUMERIC.map(([flag]) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    throw new CostUsageError((e as Error).message);
  }
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length > 1) throw new CostUsageError(`one cloud assembly folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const assumptions: Record<string, number> = { ...DEFAULT_ASSUMPTIONS };
  for (const [flag, key] of NUMERIC) {
    const text = (values as Record<string, unknown>)[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new CostUsageError(`--${flag} must be a number of 0 or more, got '${text}'`);
    assumptions[key] = n;
  }
  return {
    assembly: positionals[0] ?? 'cdk.out',
    stacks: (values.stack as string[] | undefined) ?? [],
    pricesFile: values.prices as string | undefined,
    priceList: Boolean(values['price-list']),
    region: values.region as string | undefined,
    json: Boolean(values.json),
    help: Boolean(values.help),
    assumptions: assumptions as unknown as Assumptions,
  };
}

/** The report for the options; throws CostUsageError for input it cannot read. */
export async function costReport(options: CostOptions, pricing: () => PricingClient = defaultPricing): Promise<CostReport> {
  let prices: PriceTable = US_EAST_1;
  if (options.pricesFile) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(options.pricesFile, 'utf8'));
    } catch (e) {
      throw new CostUsageError(`--prices ${options.pricesFile}: ${(e as Error).message}`);
    }
    try {
      prices = priceTableFrom(json);
    } catch (e) {
      throw new CostUsageError((e as Error).message);
    }
  }
  let stacks;
  try {
    stacks = selectStacks(readAssembly(options.assembly), options.stacks);
  } catch (e) {
    throw new CostUsageError((e as Error).message);
  }
  if (stacks.length === 0) throw new CostUsageError(`no stack of ${options.assembly} matches ${options.stacks.map(s => `'${s}'`).join(', ')}`);
  const regions = [...new Set(stacks.map(s => s.region).filter((r): r is string => r !== undefined))];
  if (options.priceList) prices = await fromPriceList(options, stacks, regions, prices, pricing);
  let report;
  try {
    report = costOf(stacks, prices, options.assumptions);
  } catch (e) {
    throw new CostUsageError((e as Error).message);
  }
  const elsewhere = regions.filter(r => r !== prices.region);
  if (elsewhere.length > 0) {
    report.notes.push(`The stacks deploy to ${elsewhere.join(', ')}, but the prices are ${prices.region}'s: pass that region's table with --prices, or --price-list.`);
  }
  return report;
}

function defaultPricing(): PricingClient {
  return new PricingClient({ region: PRICE_LIST_ENDPOINT_REGION, maxAttempts: 5 });
}

async function fromPriceList(options: CostOptions, stacks: SynthesizedStack[], regions: string[], base: PriceTable,
  pricing: () => PricingClient): Promise<PriceTable> {
  const region = options.region ?? (regions.length === 1 ? regions[0] : undefined);
  if (!region) {
    throw new CostUsageError(regions.length > 1
      ? `--price-list: the stacks deploy to ${regions.join(', ')}; price one region at a time with --stack, or name it with --region`
      : '--price-list: the stacks are environment-agnostic; name the region to price with --region (e.g. --region eu-north-1)');
  }
  const types = stacks.flatMap(s => Object.values(s.template.Resources ?? {}))
    .filter(r => r.Type === 'AWS::EC2::LaunchTemplate')
    .map(r => r.Properties?.LaunchTemplateData?.InstanceType)
    .filter((t): t is string => typeof t === 'string');
  try {
    return await priceListTable(pricing(), region, types, base, new Date().toISOString().slice(0, 10));
  } catch (e) {
    const error = e as Error;
    if (error.message.startsWith('--price-list:')) throw new CostUsageError(error.message);
    const credentials = error.name === 'CredentialsProviderError' || /credential/i.test(error.message);
    throw new CostUsageError(credentials
      ? '--price-list needs AWS credentials (none were found: set AWS_PROFILE or run `aws sso login`); leave it out to use the shipped price table'
      : `--price-list: the Price List API answered ${error.name}: ${error.message} (the caller needs pricing:GetProducts); leave it out to use the shipped price table`);
  }
}

const usd = (n: number) => `$${n.toFixed(n !== 0 && n < 0.01 ? 4 : 2)}`;

/** The report as text: a table per stack, the sites, the totals, the prices and assumptions. */
export function renderCost(report: CostReport, assumptions: Assumptions): string {
  const out: string[] = [];
  const stacks = [...new Set([...report.fixed.map(l => l.stack), ...report.sites.map(s => s.stack)])];
  let total = 0;
  for (const stack of stacks) {
    const lines = report.fixed.filter(l => l.stack === stack).sort((x, y) => y.monthly - x.monthly);
    const sum = lines.reduce((n, l) => n + l.monthly, 0);
    total += sum;
    out.push(`${stack}: ${usd(sum)} a month fixed`);
    for (const l of lines) out.push(`  ${usd(l.monthly).padStart(8)}  ${l.item}  [${l.resource}]\n            ${l.basis}`);
  }
  const runs = report.sites.reduce((n, s) => n + s.perMonth, 0);
  if (report.sites.length > 0) {
    out.push('', 'Sites (one run, and a month of runs):');
    for (const s of report.sites) {
      out.push(`  ${s.site} (${s.stack}): ${usd(s.perRun)} a run (instance time ${usd(s.instanceTimePerRun)}), ` +
        `${s.runsPerMonth.toFixed(0)} runs a month = ${usd(s.perMonth)}  [${s.schedule}]\n    ${s.basis}`);
    }
  }
  out.push('', `Total: ${usd(total)} a month fixed + ${usd(runs)} a month for the runs = ${usd(total + runs)}`);
  out.push('', `Prices: ${report.prices.region}, ${report.prices.date}; ${report.prices.source}`);
  out.push('Assumptions:', ...describeAssumptions(assumptions).map(a => `  ${a}`));
  const uncounted = Object.entries(report.uncounted).sort(([a], [b]) => a.localeCompare(b));
  if (uncounted.length > 0) {
    out.push(`Not counted (no charge of their own, or only by use this model leaves out): ${uncounted.map(([t, n]) => `${t} ×${n}`).join(', ')}`);
  }
  for (const note of report.notes) out.push(`Note: ${note}`);
  return out.join('\n');
}

/** The report as JSON, with the totals. */
export function costJson(report: CostReport, assumptions: Assumptions): unknown {
  const fixed = report.fixed.reduce((n, l) => n + l.monthly, 0);
  const runs = report.sites.reduce((n, s) => n + s.perMonth, 0);
  return { fixedMonthly: fixed, runsMonthly: runs, totalMonthly: fixed + runs, ...report, assumptions };
}
