/**
 * --price-list: the instance and gp3 prices of the stacks' region from the AWS Price List Query
 * API (pricing:GetProducts, service code AmazonEC2), with the caller's credentials. Each item of
 * `PriceList` is a JSON document, `product.attributes` and `terms.OnDemand.<offer>.priceDimensions
 * .<rate>.pricePerUnit.USD` (Price List API, "Reading the price list files"); the other figures
 * keep the shipped table's, and the table's `source` says which came from where.
 */
import { Filter, GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { PriceTable } from './prices';

/** The endpoints of the Price List Query API are in us-east-1, eu-central-1 and ap-south-1 only. */
export const PRICE_LIST_ENDPOINT_REGION = 'us-east-1';

const match = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

/** On-demand Linux, shared tenancy, no pre-installed software: the price an ECS-optimised instance pays. */
export function instanceFilters(region: string, instanceType: string): Filter[] {
  return [
    match('regionCode', region), match('instanceType', instanceType), match('operatingSystem', 'Linux'),
    match('tenancy', 'Shared'), match('preInstalledSw', 'NA'), match('capacitystatus', 'Used'),
  ];
}

export function gp3Filters(region: string): Filter[] {
  return [match('regionCode', region), match('productFamily', 'Storage'), match('volumeApiName', 'gp3')];
}

/** The first positive on-demand USD price of the given unit in a GetProducts answer. */
export function onDemandUsd(priceList: unknown, unit: string): number | undefined {
  for (const item of (priceList as unknown[] | undefined) ?? []) {
    const doc = typeof item === 'string' ? JSON.parse(item) : item;
    for (const term of Object.values<any>(doc?.terms?.OnDemand ?? {})) {
      for (const dimension of Object.values<any>(term?.priceDimensions ?? {})) {
        const usd = Number(dimension?.pricePerUnit?.USD);
        if (dimension?.unit === unit && usd > 0) return usd;
      }
    }
  }
  return undefined;
}

/** `base` with the region's instance and gp3 prices read from the API; throws a message naming what is missing. */
export async function priceListTable(client: PricingClient, region: string, instanceTypes: string[], base: PriceTable,
  today: string): Promise<PriceTable> {
  const get = async (filters: Filter[]) => (await client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: filters, MaxResults: 20 }))).PriceList;
  const instanceHour: Record<string, number> = {};
  for (const type of [...new Set(instanceTypes)].sort()) {
    const usd = onDemandUsd(await get(instanceFilters(region, type)), 'Hrs');
    if (usd === undefined) throw new Error(`--price-list: the Price List API has no on-demand Linux price for '${type}' in ${region}`);
    instanceHour[type] = usd;
  }
  const gp3 = onDemandUsd(await get(gp3Filters(region)), 'GB-Mo');
  if (gp3 === undefined) throw new Error(`--price-list: the Price List API has no gp3 storage price in ${region}`);
  return {
    ...base,
    region,
    date: today,
    source: `AWS Price List API (GetProducts, AmazonEC2) for the instances and gp3 in ${region}; ` +
      `everything else from the shipped ${base.region} table of ${base.date} (${base.source})`,
    instanceHour,
    ebsGbMonth: { ...base.ebsGbMonth, gp3 },
  };
}
