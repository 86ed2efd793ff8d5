import { createHash } from 'crypto';

/*
 * The names a site's data lands under, defined once for the constructs (checked at synth) and
 * the Lambda handlers (which import this file into their bundles): runTask writes them, reportIndex
 * parses them back.
 */

/*
 * Values that sitespeed.io gets as an argument of their own (`--slug shop`) must not begin with
 * '-': its parser would read them as an option, and the run would be filed under another name.
 */

/** A site's slug: its report folder, its Graphite keys and its tasks' startedBy. */
export const SITE_SLUG = /^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,199}$/;
export const SITE_SLUG_RULE = "1–200 characters of [a-zA-Z0-9_-], not starting with '-'";

/** A page's alias in reports and Graphite keys. */
export const URL_ALIAS = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;
export const URL_ALIAS_RULE = "1–100 characters of [A-Za-z0-9_-], not starting with '-'";

/** A Graphite namespace: dot-separated parts. */
export const GRAPHITE_NAMESPACE = /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
/** The namespace GraphiteGrafana accepts: its retention is set for sitespeed_io.*, and the dashboards expect two parts. */
export const METRICS_NAMESPACE = /^sitespeed_io\.[A-Za-z0-9_-]+$/;

/**
 * A tag of this library's own on every instance of a cluster (propagated at launch), with the
 * cluster's value: permissions and Run Command target instances by it. Not EC2 Auto Scaling's
 * aws:autoscaling:groupName: no AWS source confirms that ssm:resourceTag evaluates aws: system
 * tags, while customer tags are the documented case
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-rc-setting-up-cmdsec.html).
 */
export const CLUSTER_TAG = 'cdk-sitespeed:cluster';

const STARTED_BY_PREFIX = 'sitespeed/';
// ECS's startedBy takes at most 128 characters of [a-zA-Z0-9_/-].
const STARTED_BY_MAX = 128;

/**
 * The startedBy of a site's tasks. Slugs take up to 200 characters: long ones keep a readable
 * head and a hash, so two long slugs never share a startedBy.
 */
export function startedByFor(site: string): string {
  const plain = `${STARTED_BY_PREFIX}${site}`;
  if (plain.length <= STARTED_BY_MAX) return plain;
  const hash = createHash('sha256').update(site).digest('hex').slice(0, 16);
  return `${STARTED_BY_PREFIX}${site.slice(0, 100)}/${hash}`;
}

/** The slug in a startedBy written by {@link startedByFor}; undefined for a hashed (long) one or a foreign one. */
export function siteOfStartedBy(startedBy: unknown): string | undefined {
  if (typeof startedBy !== 'string' || !startedBy.startsWith(STARTED_BY_PREFIX)) return undefined;
  const site = startedBy.slice(STARTED_BY_PREFIX.length);
  return SITE_SLUG.test(site) ? site : undefined;
}
