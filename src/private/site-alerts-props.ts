import { Token } from 'aws-cdk-lib';
import { DEFAULTS } from './defaults';
import { requirePlain } from './tokens';
import { SITE_SLUG, SITE_SLUG_RULE } from '../contract/site-names';
import type { SiteAlertsProps } from '../site-alerts';

/** SiteAlerts' props, checked, with the defaults filled in. */
export interface CheckedSiteAlertsProps {
  readonly remindAfter: number;
  readonly notStartedAfter: number;
  readonly staleFactor: number;
  readonly emails: string[];
}

/** Counts above this are no limit anyone means (use 0 for never), and would render as 1e+21 past 2^53. */
const MAX_RUNS = 10_000;
/** A site silent for 1,000 of its intervals (an hourly site: six weeks) is not "stale" any more, it is off. */
const MAX_INTERVALS = 1_000;

/** Checks SiteAlerts' props: an error names the prop, what is allowed and what to do. */
export function checkSiteAlertsProps(props: SiteAlertsProps): CheckedSiteAlertsProps {
  const remindAfter = wholeRuns('remindAfterRuns', props.remindAfterRuns ?? DEFAULTS.SiteAlertsProps.remindAfterRuns);
  const notStartedAfter = wholeRuns('notStartedAlertAfterRuns', props.notStartedAlertAfterRuns ?? DEFAULTS.SiteAlertsProps.notStartedAlertAfterRuns);
  const staleFactor = props.staleAfterIntervals ?? DEFAULTS.SiteAlertsProps.staleAfterIntervals;
  requirePlain('staleAfterIntervals', staleFactor, 'the stale limits are computed from it at synth');
  if (typeof staleFactor !== 'number' || !(staleFactor === 0 || (staleFactor >= 1 && staleFactor <= MAX_INTERVALS))) {
    throw new Error(`staleAfterIntervals (${JSON.stringify(staleFactor)}) must be 0 (off) or a number of intervals from 1 to ${MAX_INTERVALS}: ` +
      'below 1, a site would be stale before its next run is even due.');
  }
  if (props.confirmFailures !== undefined && typeof props.confirmFailures !== 'boolean') {
    throw new Error(`confirmFailures (${JSON.stringify(props.confirmFailures)}) must be true or false.`);
  }
  for (const [i, site] of (props.unconfirmedSites ?? []).entries()) {
    requirePlain(`unconfirmedSites[${i}]`, site, 'the alert function compares slugs');
    if (typeof site !== 'string' || !SITE_SLUG.test(site)) throw new Error(`unconfirmedSites[${i}] ${JSON.stringify(site)} is not a site slug (${SITE_SLUG_RULE}).`);
  }
  checkSlack(props.slackWorkspaceId, props.slackChannelId);
  return { remindAfter, notStartedAfter, staleFactor, emails: checkedEmails(props.emails ?? []) };
}

function wholeRuns(prop: string, value: unknown): number {
  requirePlain(prop, value, 'the alert function reads it as a number');
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_RUNS) {
    throw new Error(`${prop} (${JSON.stringify(value)}) must be a whole number of runs from 0 (never) to ${MAX_RUNS}.`);
  }
  return value;
}

/** One address each, as SNS takes it: no display name, no spaces, no repeats (two subscriptions of one address would be one construct id twice). */
function checkedEmails(emails: string[]): string[] {
  const seen = new Map<string, number>();
  for (const [i, email] of emails.entries()) {
    if (Token.isUnresolved(email)) continue;
    if (typeof email !== 'string' || email.trim() === '') throw new Error(`emails[${i}] is empty: give an address such as 'oncall@example.com', or leave it out.`);
    const named = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(email);
    if (named) throw new Error(`emails[${i}] '${email}' has a display name: give the address alone, '${named[1]}'.`);
    if (email !== email.trim()) throw new Error(`emails[${i}] '${email}' has spaces around it: give '${email.trim()}'.`);
    if (!/^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/.test(email)) {
      throw new Error(`emails[${i}] '${email}' is not one email address (such as 'oncall@example.com'; several go in separate entries).`);
    }
    const key = email.toLowerCase();
    if (seen.has(key)) throw new Error(`emails[${i}] '${email}' repeats emails[${seen.get(key)}]: each address is subscribed once.`);
    seen.set(key, i);
  }
  return emails;
}

/**
 * Chatbot's ids: a channel id is letters and digits (Chatbot API, SlackChannelConfiguration:
 * `^[A-Za-z0-9]+$`), the end of the channel's "Copy link" URL; Slack's workspace (team) ids
 * start with T, channel ids with C (public), G (private) or D.
 */
function checkSlack(workspace: string | undefined, channel: string | undefined): void {
  if ((workspace === undefined) !== (channel === undefined)) {
    throw new Error('slackWorkspaceId and slackChannelId go together: give both (Chatbot needs the workspace and the channel) or neither.');
  }
  if (workspace === undefined || channel === undefined || Token.isUnresolved(workspace) || Token.isUnresolved(channel)) return;
  if (workspace.trim() === '' || channel.trim() === '') {
    throw new Error('slackWorkspaceId and slackChannelId must not be empty: leave both out for no Slack.');
  }
  if (/^T[A-Z0-9]+$/.test(channel) && /^[CGD][A-Z0-9]+$/.test(workspace)) {
    throw new Error(`slackWorkspaceId '${workspace}' and slackChannelId '${channel}' look swapped: workspace ids start with T, channel ids with C, G or D.`);
  }
  if (!/^[A-Za-z0-9]+$/.test(channel)) {
    throw new Error(`slackChannelId '${channel}' must be the channel's id (letters and digits, the end of its "Copy link" URL, e.g. C0123456789), not its name.`);
  }
  if (!/^[A-Z0-9]+$/.test(workspace)) {
    throw new Error(`slackWorkspaceId '${workspace}' must be the workspace id AWS Chatbot shows once the workspace is authorized (e.g. T0123456789), not its name or URL.`);
  }
}
