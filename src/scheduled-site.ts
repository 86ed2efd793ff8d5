import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { Browser } from './browser';
import { ConnectivityProfile } from './connectivity-profile';
import { SettingsOverride } from './contract/regression-settings';
import { firesOutside, ianaTimeZone } from './contract/schedule-window';
import { GRAPHITE_NAMESPACE, METRICS_NAMESPACE, SITE_SLUG, SITE_SLUG_RULE, URL_ALIAS, URL_ALIAS_RULE } from './contract/site-names';
import { configArgs, MAX_OVERRIDES_CHARS, optionNames, overridesSize, renderRunArgs, RunArgsInput } from './contract/sitespeed-args';
import { logicalIdOf, markForCheck } from './private/check-metadata';
import { clusterOf } from './private/cluster-of';
import { claimSlug } from './private/data-homes';
import { DEFAULTS } from './private/defaults';
import { forCaller, spelledForCaller, spelledValidation, warn } from './private/for-caller';
import { regressionSettingsOf } from './private/regression-settings';
import { runEventRule, runMetric, RunSubject } from './private/run-signals';
import { maxIntervalMinutes } from './private/schedule-interval';
import { requirePlain } from './private/tokens';
import { unknownOptionWarning } from './private/unknown-options';
import type { RegressionOptions } from './regression-options';
import type { RunFinishedOptions } from './run-events';
import { RunMetricSource } from './run-metric-source';
import type { ISitespeedCluster, SitespeedCluster } from './sitespeed-cluster';
import type { ISitespeedMetrics } from './sitespeed-metrics';

/** A page to test, with the name it gets in reports and Graphite. */
export interface SiteUrl {
  /** The page's URL (http or https). */
  readonly url: string;
  /**
   * A short name for the page in reports and Graphite keys, instead of its URL.
   * @default - sitespeed.io derives one from the URL
   */
  readonly alias?: string;
}

/** What to test and how, for {@link SitespeedCluster.addSite}. */
export interface ScheduledSiteOptions {
  /**
   * When the site is tested: `ScheduleExpression.cron({ …, timeZone })` or `ScheduleExpression.rate(…)`.
   * A run is skipped while the site's previous run is still going, so a schedule that
   * outpaces its runs never piles them up.
   */
  readonly schedule: scheduler.ScheduleExpression;

  /**
   * Whether the schedule is on (a disabled site can still be run by hand).
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The pages to test. Give exactly one of `urls`, `urlsFile` and `script`.
   * @default - none
   */
  readonly urls?: SiteUrl[];

  /**
   * A URL file (one URL per line, optional ` alias`) in the cluster's config folder, as its key
   * relative to the config prefix, e.g. `urls/shop.txt`.
   * @default - none
   */
  readonly urlsFile?: string;

  /**
   * A scripted user journey (`.js`, `.cjs` or `.mjs`) in the cluster's config folder, as its key
   * relative to the config prefix, e.g. `scripts/checkout.mjs`.
   * @default - none
   */
  readonly script?: string;

  /**
   * Names the site's report folder (`<slug>/<timestamp>/`), its runs and its Graphite keys:
   * 1–200 characters of `[a-zA-Z0-9_-]`, unique in the cluster.
   * @default - the construct id, lower-cased, other characters replaced by `-`
   */
  readonly slug?: string;

  /**
   * Page loads per URL and run. sitespeed.io advises 5 or more for stable medians.
   * @default 5
   */
  readonly iterations?: number;

  /**
   * The browser.
   * @default Browser.CHROME
   */
  readonly browser?: Browser;

  /**
   * The network profile of the runs, shaped by the cluster's `connectivity` engine.
   * @default - the profile of the cluster's connectivity (none: sitespeed.io's default, `native`)
   */
  readonly connectivityProfile?: ConnectivityProfile;

  /**
   * Emulate a phone (sitespeed.io `--mobile`: viewport and user agent).
   * @default false
   */
  readonly mobile?: boolean;

  /**
   * A performance budget file in the config folder (key relative to the config prefix). A run
   * that breaks the budget ends with a non-zero exit code and shows as failed.
   * @default - no budget
   */
  readonly budgetFile?: string;

  /**
   * Where the runs send metrics and annotations: Graphite's host, ports and namespace come from
   * it, and the cluster may send to it. Prefer the cluster's `metrics` prop, which covers all sites.
   * @default - the cluster's metrics, if it has them
   */
  readonly metrics?: ISitespeedMetrics;

  /**
   * Graphite's host (plain text protocol) for metrics, when Graphite is not a GraphiteGrafana or MetricsStack.
   * @default - the metrics' Graphite, or no metrics are sent
   */
  readonly graphiteHost?: string;

  /**
   * Graphite's plain text port.
   * @default 2003
   */
  readonly graphitePort?: number;

  /**
   * The first two parts of the Graphite keys; sitespeed.io's dashboards expect two parts, then
   * the slug.
   * @default - the metrics' graphiteNamespace, else 'sitespeed_io.default'
   */
  readonly graphiteNamespace?: string;

  /**
   * Base URL of the report viewer, so Grafana annotations link to each run's report.
   * @default - the viewer URL of the cluster's ReportTree, if it has one
   */
  readonly resultBaseUrl?: string;

  /**
   * Any other sitespeed.io options as a JSON object in sitespeed.io's config-file shape
   * (`{ browsertime: { chrome: { args: ['no-sandbox'] } } }`), rendered into dotted options.
   * Options that have a typed prop, or that would break report folders, are refused.
   * @default - none
   */
  readonly config?: { [key: string]: any };

  /**
   * Extra arguments, one element per argument (`['--plugins.remove', 'screenshot']`),
   * appended last. The same options as in `config` are refused.
   * @default - none
   */
  readonly sitespeedArgs?: string[];

  /**
   * Run metrics of this site on its own (dimensions Cluster and Site: runs failed, budget
   * failures, duration… about nine CloudWatch custom metrics, $0.30 each a month prorated by
   * the hours with data), besides the cluster's.
   * Calling one of the site's `metric*()` methods turns them on unless this is false.
   * @default - the cluster's siteMetrics (false unless set), or true once a `metric*()` method of the site is called
   */
  readonly siteMetrics?: boolean;

  /**
   * How this site's runs are compared with its own recent past, over the ReportTree's
   * `regressions` (what this leaves out comes from there): e.g. `{ enabled: false }` for a site
   * whose pages change by design, or a larger `minSlowdownPercent` for a noisy one (docs/regressions.md).
   * @default - the ReportTree's
   */
  readonly regressions?: RegressionOptions;
}

/** Properties of a {@link ScheduledSite}. */
export interface ScheduledSiteProps extends ScheduledSiteOptions {
  /** The cluster the site's runs start on. */
  readonly cluster: ISitespeedCluster;
}

/**
 * One site's sitespeed.io runs on a schedule (EventBridge Scheduler, with a time zone) through
 * the cluster's runTask Lambda. Reports land at `<reports bucket>/<slug>/<YYYY-MM-DD-HH-mm-ss>/`.
 */
export class ScheduledSite extends RunMetricSource {
  /** The slug that names the site's reports, runs and Graphite keys. */
  public readonly slug: string;
  /** The run request the schedule sends the runTask Lambda (also what "run now" sends). */
  public readonly runRequest: string;
  /**
   * The longest time between two of its runs, in minutes; undefined when its schedule is
   * disabled or cannot be read (SiteAlerts' stale check).
   * @internal
   */
  public readonly _expectedIntervalMinutes?: number;
  /** The cluster its runs start on. */
  public readonly cluster: ISitespeedCluster;
  /** Its `regressions`, checked, as the report index reads them. @internal */
  public readonly _regressionSettings: SettingsOverride;
  /** Where its runs send metrics and annotations, if anywhere: its namespace and, for a GraphiteGrafana, which. @internal */
  public readonly _graphite?: { readonly namespace: string; readonly metrics?: ISitespeedMetrics };
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;

  private readonly renderArgs: () => string[];
  private readonly siteMetricsProp?: boolean;
  private siteMetricsOn: boolean;

  constructor(scope: Construct, id: string, props: ScheduledSiteProps) {
    super(scope, id);
    // Every error about a site's props names the site: an app has many.
    try {
      const cluster = clusterOf(props.cluster, this.node.path);
      this.cluster = cluster;
      this.slug = props.slug ?? slugFromId(id);
      requirePlain('slug', this.slug, 'it names the report folders and Graphite keys, which are checked for clashes at synth');
      if (!SITE_SLUG.test(this.slug)) {
        throw new Error(`slug '${this.slug}' must be ${SITE_SLUG_RULE} (sitespeed.io uses it in folder names and Graphite keys).`);
      }
      cluster._claimSlug(this.slug, this.node.path);
      if (cluster._arm && props.browser === Browser.EDGE) {
        throw new Error(`browser Browser.EDGE: ${cluster.node.path} runs ARM instances, and sitespeed.io's arm64 image has no Edge (Firefox and Chromium only). ` +
          'Use Browser.CHROME (Chromium there) or Browser.FIREFOX, or an x86 instanceType.');
      }
      const bucket = cluster.reportsBucket;
      claimSlug(this, Token.isUnresolved(bucket.bucketName) ? `bucket ${bucket.node.path}` : `bucket ${bucket.bucketName}`,
        `the reports bucket ${Token.isUnresolved(bucket.bucketName) ? bucket.node.path : bucket.bucketName}`, this.slug);

      const inputs = this.renderInputs(props, cluster.configContainerPath);
      const configFiles = (['urlsFile', 'script', 'budgetFile'] as const).filter(k => props[k] !== undefined);
      if (configFiles.length > 0) {
        // The ConfigSync may be added after the site, so this is checked when the app synthesizes.
        this.node.addValidation(spelledValidation({
          validate: () => (cluster.configSync ? [] : [
            `${configFiles.join(', ')} read the cluster's config folder, but ${cluster.node.path} has no ConfigSync: add a ConfigSync whose cluster prop is that cluster.`,
          ]),
        }));
      }
      const iterations = props.iterations ?? DEFAULTS.ScheduledSiteOptions.iterations;
      if (!Token.isUnresolved(iterations) && (!Number.isInteger(iterations) || iterations < 1 || iterations > 100)) {
        throw new Error(`iterations (${iterations}) must be a whole number from 1 to 100.`);
      }
      const graphite = this.graphiteTarget(props, cluster);
      this._graphite = graphite ? { namespace: graphite.namespace, metrics: props.metrics ?? cluster.metrics } : undefined;
      if (props.resultBaseUrl && !Token.isUnresolved(props.resultBaseUrl) && !/^https?:\/\/[^\s]+$/.test(props.resultBaseUrl)) {
        throw new Error(`resultBaseUrl '${props.resultBaseUrl}' must be an http(s) URL.`);
      }

      const args: Omit<RunArgsInput, 'resultBaseUrl'> = {
        slug: this.slug,
        inputs: inputs.inputs,
        urlAliases: inputs.aliases,
        iterations,
        browser: props.browser ?? Browser.CHROME,
        connectivity: cluster.connectivity._args(props.connectivityProfile),
        mobile: props.mobile ?? DEFAULTS.ScheduledSiteOptions.mobile,
        budgetConfigPath: props.budgetFile ? configPath(cluster.configContainerPath, 'budgetFile', props.budgetFile) : undefined,
        graphite,
        config: props.config ?? {},
        extraArgs: props.sitespeedArgs ?? [],
        reportsBucketName: cluster.reportsBucket.bucketName,
        region: Stack.of(cluster.reportsBucket).region,
      };
      // The viewer URL is the cluster's ReportTree's, which may be added after this site: the
      // arguments are rendered again at synth (through the lazy values below), when it is known.
      this.renderArgs = () => renderRunArgs({ ...args, resultBaseUrl: props.resultBaseUrl ?? cluster.reportTree?.viewerUrl });
      this.renderArgs();
      this.node.addValidation(spelledValidation({ validate: () => this.checkOverridesSize() }));
      this.warnOfUnknownOptions(props);

      // ScheduleExpression.cron() falls back to UTC silently; a site tested at "09:00" then runs an
      // hour off for half the year. Say so; acknowledge the warning when UTC is what you want.
      const zone = props.schedule.timeZone?.timezoneName ?? 'Etc/UTC';
      // TimeZone.of() takes any string, and Scheduler refuses a name it does not know only at deploy.
      if (!Token.isUnresolved(zone) && ianaTimeZone(zone) === undefined) {
        throw new Error(`schedule: time zone '${zone}' is not an IANA time zone; use a name such as TimeZone.of('Europe/Berlin') or TimeZone.EUROPE_BERLIN.`);
      }
      if (!props.schedule.expressionString.startsWith('rate(') && ['Etc/UTC', 'UTC'].includes(zone)) {
        warn(this, 'cdk-sitespeed:scheduleInUtc',
          `The schedule '${props.schedule.expressionString}' follows UTC. Pass timeZone (e.g. TimeZone.of('Europe/Stockholm')) to follow local time and daylight saving, or acknowledge this warning if UTC is meant.`);
      }

      const window = cluster.schedule._hardStopWindow;
      const outside = window && firesOutside(props.schedule.expressionString, zone, window);
      if (outside) {
        warn(this, 'cdk-sitespeed:siteOutsideWindow',
          `${outside}, when the cluster's hardStop schedule holds it at zero instances: such runs wait and are stopped by runTask. ` +
          'Schedule the site inside the window, or drop hardStop so the cluster scales out on demand.');
      }

      if (cluster.connectivity._engine === 'none' && props.connectivityProfile && props.connectivityProfile.name !== 'native') {
        warn(this, 'cdk-sitespeed:profileNotShaped',
          `connectivityProfile '${props.connectivityProfile.name}' names the runs, but the cluster shapes nothing (Connectivity.none()): metrics are the instance's network. Set the cluster's connectivity to Connectivity.throttle(...) or Connectivity.hostTc(...).`);
      }

      const request = () => ({ site: this.slug, args: this.sitespeedArgs });
      this.runRequest = Lazy.string({ produce: () => Stack.of(this).toJsonString(request()) });
      const runner = cluster._runner();
      this.schedule = new scheduler.Schedule(this, 'Schedule', {
        description: `cdk-sitespeed: run sitespeed.io for ${this.slug}`,
        schedule: props.schedule,
        enabled: props.enabled ?? DEFAULTS.ScheduledSiteOptions.enabled,
        // Exactly on time: a flexible window would make run times, and so metrics, wander.
        timeWindow: scheduler.TimeWindow.off(),
        target: new targets.LambdaInvoke(runner.function, {
          role: runner.schedulerRole,
          input: scheduler.ScheduleTargetInput.fromText(this.runRequest),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: runner.deadLetterQueue,
        }),
      });
      this._regressionSettings = regressionSettingsOf('regressions', props.regressions);
      this.siteMetricsProp = props.siteMetrics;
      this.siteMetricsOn = props.siteMetrics ?? cluster.siteMetrics;
      this._expectedIntervalMinutes = (props.enabled ?? true) ? maxIntervalMinutes(props.schedule.expressionString) : undefined;
      const enabled = props.enabled ?? DEFAULTS.ScheduledSiteOptions.enabled;
      cluster._registerSite(this, { expression: props.schedule.expressionString, timeZone: zone, enabled });
      markForCheck(this.schedule, { kind: 'site', site: this.slug, cluster: logicalIdOf(cluster.cluster), clusterStack: Stack.of(cluster).stackName });
    } catch (error) {
      throw forCaller(namedError(error, this.node.path));
    }
  }

  /** Whether its runs log per-site metrics. @internal */
  public get _siteMetrics(): boolean {
    return this.siteMetricsOn;
  }

  /** A rule on this site's "Sitespeed Run Finished" events (scoped to its cluster and slug). */
  public onRunFinished(id: string, options: RunFinishedOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'finished', options);
  }

  /** A rule on this site's "Sitespeed Run Skipped" events. */
  public onRunSkipped(id: string, options: events.OnEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'skipped', options);
  }

  /** A rule on this site's "Sitespeed Run Not Started" events (RunTask refused a run). */
  public onRunNotStarted(id: string, options: events.OnEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'notStarted', options);
  }

  /**
   * A rule on this site's "Sitespeed Regression Detected" events: its runs got slower than its own
   * recent past, confirmed by the next scheduled runs (docs/regressions.md). Needs a ReportTree
   * (with regressionDetection, the default); an error at synth otherwise.
   */
  public onRegressionDetected(id: string, options: events.OnEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'regressionDetected', options);
  }

  /** A rule on this site's "Sitespeed Regression Recovered" events: back at the baseline, or the new level accepted. */
  public onRegressionRecovered(id: string, options: events.OnEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'regressionRecovered', options);
  }

  /** A rule on this site's "Sitespeed Baseline Reset" events: the test setup changed (browser version, URLs, iterations), a new baseline starts. */
  public onBaselineReset(id: string, options: events.OnEventOptions = {}): events.Rule {
    return runEventRule(this, id, this.runSubject(), 'baselineReset', options);
  }

  /**
   * A run metric of this site by name (`RunMetrics`), dimensions Cluster and Site. Turns the
   * site's per-site metrics on (about nine custom metrics, $0.30 each a month prorated by the
   * hours with data), unless its siteMetrics prop is false, which is an error here.
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return spelledForCaller(() => {
      if (this.siteMetricsProp === false) {
        throw new Error(`${this.node.path}: siteMetrics is false, so the site's runs log no per-site metric and ${metricName} would stay empty. ` +
          'Remove siteMetrics: false, or use the cluster\'s metric (cluster.metric*()).');
      }
      this.siteMetricsOn = true;
      return runMetric(this.runSubject(), metricName, props);
    });
  }


  private runSubject(): RunSubject {
    return { cluster: this.cluster as SitespeedCluster, site: this.slug, path: this.node.path };
  }

  /**
   * The sitespeed.io arguments of every run, one element per argument (with the viewer URL of a
   * ReportTree added to the cluster so far; the schedule gets the final ones at synth).
   */
  public get sitespeedArgs(): string[] {
    return this.renderArgs();
  }

  /** A config key or sitespeedArgs option the pinned sitespeed.io does not declare: a warning (src/private/unknown-options.ts says why not an error). */
  private warnOfUnknownOptions(props: ScheduledSiteProps): void {
    const named = [
      ...optionNames(configArgs(props.config ?? {})).map(name => ({ name, source: 'config' })),
      ...optionNames((props.sitespeedArgs ?? []).filter(a => !Token.isUnresolved(a))).map(name => ({ name, source: 'sitespeedArgs' })),
    ];
    for (const { name, source } of named) {
      const warning = unknownOptionWarning(name, source);
      if (warning) warn(this, 'cdk-sitespeed:unknownOption', warning);
    }
  }

  /**
   * RunTask refuses overrides above 8192 characters, on every run: say so at synth. A token
   * (the bucket name, the viewer's domain) counts as 63 characters, the longest bucket name.
   */
  private checkOverridesSize(): string[] {
    const args = this.sitespeedArgs.map(a => a.replace(/\$\{Token\[[^\]]+\]\}/g, 'x'.repeat(63)));
    const size = overridesSize(args);
    if (size <= MAX_OVERRIDES_CHARS) return [];
    return [
      `the runs of ${this.slug} take about ${size} characters of RunTask overrides, and ECS allows ${MAX_OVERRIDES_CHARS}: every run would fail. ` +
      'Put the URLs in a file in the config folder (urlsFile, with a ConfigSync) and long options in sitespeed.io config through the config prop.',
    ];
  }

  private graphiteTarget(props: ScheduledSiteProps, cluster: SitespeedCluster): RunArgsInput['graphite'] {
    const metrics = props.metrics ?? cluster.metrics;
    if (props.metrics) cluster._useGraphiteAuth(props.metrics);
    if (metrics && (props.graphiteHost !== undefined || props.graphitePort !== undefined)) {
      throw new Error(`give either metrics (Graphite of ${metrics.node.path}) or graphiteHost/graphitePort, not both.`);
    }
    const namespace = props.graphiteNamespace ?? metrics?.graphiteNamespace ?? 'sitespeed_io.default';
    requirePlain('graphiteNamespace', namespace, 'it is part of the Graphite keys, which are checked for clashes at synth');
    if (!GRAPHITE_NAMESPACE.test(namespace)) {
      throw new Error(`graphiteNamespace '${namespace}' must be dot-separated parts of [A-Za-z0-9_-], not starting with '-', e.g. 'sitespeed_io.default'.`);
    }
    if (metrics && !METRICS_NAMESPACE.test(namespace)) {
      throw new Error(`graphiteNamespace '${namespace}' must be 'sitespeed_io.<name>' with metrics (GraphiteGrafana or MetricsStack): its retention is set for keys under sitespeed_io, and the dashboards expect two parts before the slug.`);
    }
    if (namespace.split('.').length !== 2) {
      warn(this, 'cdk-sitespeed:graphiteNamespace',
        `graphiteNamespace '${namespace}' does not have two parts: sitespeed.io's dashboards expect '<a>.<b>' followed by the slug.`);
    }
    if (metrics || props.graphiteHost !== undefined) {
      // A MetricsStack and the GraphiteGrafana it holds are one Graphite: named by stack and host.
      const graphite = metrics ? `${Stack.of(metrics).node.path}/${metrics.graphiteHost}` : props.graphiteHost!;
      claimSlug(this, `graphite ${graphite} ${namespace}`, `Graphite ${graphite} under ${namespace}`, this.slug);
    }
    if (metrics) {
      metrics.allowMetricsFrom(cluster);
      return { host: metrics.graphiteHost, port: metrics.graphitePort, httpPort: metrics.graphiteHttpPort, namespace };
    }
    if (props.graphiteHost === undefined) return undefined;
    // A host name or IPv4 address (a token resolves to one): never a value sitespeed.io reads as an option.
    if (!Token.isUnresolved(props.graphiteHost) && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(props.graphiteHost)) {
      throw new Error(`graphiteHost '${props.graphiteHost}' must be a host name or IPv4 address, such as 'graphite.example.com'.`);
    }
    const port = props.graphitePort ?? DEFAULTS.ScheduledSiteOptions.graphitePort;
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`graphitePort (${port}) must be a TCP port from 1 to 65535.`);
    }
    return { host: props.graphiteHost, port, namespace };
  }

  private renderInputs(props: ScheduledSiteProps, configDir: string): { inputs: string[]; aliases: string[] } {
    const given = (['urls', 'urlsFile', 'script'] as const).filter(k => props[k] !== undefined);
    if (given.length !== 1) {
      throw new Error(`give exactly one of urls, urlsFile and script (got ${given.length ? given.join(', ') : 'none'}).`);
    }
    if (props.urls) {
      if (props.urls.length === 0) throw new Error('urls must list at least one page.');
      const urls = new Map<string, number>();
      const aliases = new Map<string, number>();
      for (const [i, u] of props.urls.entries()) {
        // A scheme is case-insensitive (RFC 3986, 3.1), but sitespeed.io reads an argument that does
        // not start with 'http' as a file (lib/cli/validate.js): HTTPS://… is valid, and rendered in lower case.
        if (!Token.isUnresolved(u.url) && !/^https?:\/\/[^\s]+$/i.test(u.url)) {
          throw new Error(`urls[${i}].url '${u.url}' must be an http(s) URL without spaces, such as 'https://${String(u.url).replace(/^\w+:\/\//, '')}'.`);
        }
        const key = Token.isUnresolved(u.url) ? undefined : u.url.replace(/^https?/i, m => m.toLowerCase());
        if (key !== undefined && urls.has(key)) throw new Error(`urls[${i}].url '${u.url}' repeats urls[${urls.get(key)}]: each page is tested once a run.`);
        if (key !== undefined) urls.set(key, i);
        requirePlain(`urls[${i}].alias`, u.alias, 'it must be checked at synth not to read as an option');
        if (u.alias !== undefined && !URL_ALIAS.test(u.alias)) {
          throw new Error(`urls[${i}].alias '${u.alias}' must be ${URL_ALIAS_RULE}.`);
        }
        if (u.alias !== undefined && aliases.has(u.alias)) {
          throw new Error(`urls[${i}].alias '${u.alias}' repeats urls[${aliases.get(u.alias)}].alias: two pages would write the same report folder and Graphite keys.`);
        }
        if (u.alias !== undefined) aliases.set(u.alias, i);
      }
      const withAlias = props.urls.filter(u => u.alias !== undefined).length;
      if (withAlias > 0 && withAlias < props.urls.length) {
        throw new Error(`give an alias to every entry of urls or to none (${withAlias} of ${props.urls.length} have one): sitespeed.io pairs aliases with URLs by position.`);
      }
      const inputs = props.urls.map(u => (Token.isUnresolved(u.url) ? u.url : u.url.replace(/^https?/i, m => m.toLowerCase())));
      return { inputs, aliases: props.urls.flatMap(u => (u.alias ? [u.alias] : [])) };
    }
    if (props.script !== undefined && !/\.(js|cjs|mjs)$/.test(props.script)) {
      throw new Error(`script '${props.script}' must end in .js, .cjs or .mjs (sitespeed.io runs such inputs as scripts).`);
    }
    const [prop, key] = props.urlsFile !== undefined ? ['urlsFile', props.urlsFile] : ['script', props.script!];
    return { inputs: [configPath(configDir, prop, key)], aliases: [] };
  }
}

/** The container path of a key under the config prefix; keys may not climb out of it. */
function configPath(configDir: string, prop: string, key: string): string {
  requirePlain(prop, key, 'it must be checked at synth to stay inside the config prefix');
  if (!key || key.startsWith('/') || key.split('/').some(part => part === '..' || part === '') || /[\0\n]/.test(key)) {
    throw new Error(`${prop} '${key}' must be a key relative to the config prefix, such as 'urls/shop.txt' (no leading '/', no '..').`);
  }
  return `${configDir}/${key}`;
}

/** The error, its message starting with the site's path (unless it does already). */
function namedError(error: unknown, path: string): unknown {
  if (error instanceof Error && !error.message.startsWith(path)) error.message = `${path}: ${error.message}`;
  return error;
}

function slugFromId(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 200);
}
