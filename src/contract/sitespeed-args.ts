/**
 * Rendering a run into sitespeed.io's argument array: one element per argument, never a
 * joined string (the original ECS setup's "unintentional spaces will break argument parsing").
 */
import { SITESPEED_OPTION_ALIASES } from './sitespeed-options';

export interface RunArgsInput {
  readonly slug: string;
  /** URLs, or one container path of a URL file or a script. */
  readonly inputs: string[];
  /** One alias per URL, or none. */
  readonly urlAliases: string[];
  readonly iterations: number;
  readonly browser: string;
  readonly connectivity: string[];
  readonly mobile: boolean;
  readonly budgetConfigPath?: string;
  readonly graphite?: { readonly host: string; readonly port: number; readonly namespace: string; readonly httpPort?: number };
  readonly config: Record<string, unknown>;
  readonly extraArgs: string[];
  readonly reportsBucketName: string;
  readonly region: string;
  readonly resultBaseUrl?: string;
}

/**
 * Options the renderer always sets or that a typed prop sets: they may not come twice. Keyed by
 * the name sitespeed.io declares; every other spelling of them is caught through the pinned
 * version's own alias table (sitespeed-options.ts, generated from its CLI).
 */
const TYPED: Record<string, string> = {
  'slug': 'the slug prop',
  'utc': 'nothing: report folders are always UTC',
  's3.bucketname': "the cluster's reportsBucket",
  's3.region': "the reports bucket's stack region",
  'resultBaseURL': 'the resultBaseUrl prop',
  'browsertime.iterations': 'the iterations prop',
  'browsertime.browser': 'the browser prop',
  'browsertime.connectivity.profile': 'the connectivityProfile prop',
  // The profile's name is the connectivity part of every Graphite key; host tc shapes by the prop.
  'browsertime.connectivity.alias': 'the connectivityProfile prop (its name is the connectivity part of the Graphite keys)',
  'browsertime.connectivity.engine': "the cluster's connectivity prop",
  'browsertime.connectivity.down': 'ConnectivityProfile.custom()',
  'browsertime.connectivity.up': 'ConnectivityProfile.custom()',
  'browsertime.connectivity.rtt': 'ConnectivityProfile.custom()',
  'mobile': 'the mobile prop',
  'budget.configPath': 'the budgetFile prop',
  'budget.output': 'the budgetFile prop (json: the run outcome reads budgetResult.json for the failing checks)',
  'graphite.host': 'the graphiteHost prop',
  'graphite.port': 'the graphitePort prop',
  'graphite.namespace': 'the graphiteNamespace prop',
  'graphite.httpPort': 'the metrics prop (GraphiteGrafana or MetricsStack)',
  'urlAlias': 'the alias of each entry of the urls prop',
};

const CREDENTIAL_ADVICE =
  "run arguments sit in the schedule's input and show in ECS DescribeTasks and CloudTrail's RunTask events; " +
  "put it in a sitespeed.io config file in the config bucket (ConfigSync) and pass '--config', '/config/<file>.json'";

/** Options that would break where reports land or what a run measures, or leak credentials. */
const FORBIDDEN: Record<string, string> = {
  'outputFolder': 'it drops the <timestamp> folder, so runs overwrite each other',
  's3.path': 'it replaces <slug>/<timestamp> and breaks the resultBaseURL links',
  's3.key': 'the task role supplies credentials; a key would sit in the task definition',
  's3.secret': 'the task role supplies credentials; a secret would sit in the task definition',
  'graphite.addSlugToKey': 'the slug in every Graphite key keeps sites apart (one namespace, many sites) and the dashboards find them by it',
  // cli.js: .help('h') and .version(): sitespeed.io prints and exits 0 without testing anything.
  'help': 'sitespeed.io prints its help and exits without testing: the run would count as a success with no report',
  'version': 'sitespeed.io prints its version and exits without testing: the run would count as a success with no report',
};

/** Options whose value is a secret, by the names sitespeed.io gives them (api.key, scp.password, slack.hookUrl, ...). */
const CREDENTIAL = /(^|\.)(key|secret|password|passphrase|privateKey|auth|basicAuth|accessToken|hookUrl)$/;

/** Short spellings cli.js itself adds (`.alias('help', 'h')`, `.alias('version', 'V')`), outside the option files. */
const CLI_ALIASES: Record<string, readonly string[]> = { help: ['h'], version: ['V'] };

const DECLARED_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries({ ...SITESPEED_OPTION_ALIASES, ...CLI_ALIASES }).flatMap(([name, aliases]) => aliases.map(alias => [alias, name] as const)),
);

/**
 * The option a spelling sets, by the name sitespeed.io declares: aliases resolved (`-n`,
 * `--latency`, `--resultBaseUrl`) and yargs's negation undone (`--no-utc` sets `utc` to false).
 */
export function declaredOption(spelling: string): string {
  const name = spelling.startsWith('no-') && spelling.length > 3 ? spelling.slice(3) : spelling;
  return DECLARED_NAME.get(name) ?? name;
}

/** Why the option sitespeed.io declares as `declared` may not be given, or undefined when it may. */
function refusal(declared: string): { readonly reason: string; readonly typed: boolean } | undefined {
  if (FORBIDDEN[declared]) return { reason: FORBIDDEN[declared], typed: false };
  if (CREDENTIAL.test(declared)) return { reason: `it is a credential: ${CREDENTIAL_ADVICE}`, typed: false };
  if (TYPED[declared]) return { reason: TYPED[declared], typed: true };
  return undefined;
}

/** Refuses an option that is typed or forbidden, naming where it came from and what to use. */
export function checkOption(name: string, source: string): void {
  const declared = declaredOption(name);
  const refused = refusal(declared);
  if (!refused) return;
  const spelled = declared === name ? `'${name}'` : `'${name}' (sitespeed.io's '${declared}')`;
  if (!refused.typed) throw new Error(`${source}: ${spelled} is not allowed: ${refused.reason}.`);
  throw new Error(`${source}: ${spelled} is set by cdk-sitespeed; use ${refused.reason} instead.`);
}

/**
 * The option names that `args` sets, as yargs reads them: `--a.b value`, `--a.b=value`,
 * `--no-a`, and short options, several of which may share one dash (`-bn3` is `-b -n 3`:
 * letters up to a number, `=` or another character end the group, as in yargs-parser).
 * A bare `--` is returned as '' (it ends the options: what follows would be read as URLs).
 */
export function optionNames(args: string[]): string[] {
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--') {
      names.push('');
    } else if (arg.startsWith('--')) {
      names.push(arg.slice(2).split('=')[0]);
    } else if (/^-[A-Za-z]/.test(arg)) {
      const group = arg.slice(1);
      for (let i = 0; i < group.length; i++) {
        if (!/[A-Za-z]/.test(group[i])) break;
        names.push(group[i]);
        const rest = group.slice(i + 1);
        if (/^-?\d+(\.\d*)?(e-?\d+)?$/.test(rest) || /^\W/.test(rest)) break;
      }
    }
  }
  return names;
}

/**
 * A JSON config object as dotted CLI options (`{"browsertime":{"chrome":{"args":["a"]}}}` →
 * `--browsertime.chrome.args=a`): the run stays one visible array that sitespeed.io parses the
 * same way as typed options. Arrays repeat the option; `--name=value` keeps values that start
 * with `-` from reading as options.
 */
export function configArgs(config: Record<string, unknown>): string[] {
  const args: string[] = [];
  const visit = (value: unknown, path: string): void => {
    if (value === null || value === undefined) {
      throw new Error(`config: '${path}' is ${value}; leave the key out instead.`);
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        if (typeof item === 'object' && item !== null) {
          throw new Error(`config: '${path}[${i}]' is an object; sitespeed.io options take plain values in arrays. Use sitespeedArgs or a config file.`);
        }
        visit(item, path);
      }
      return;
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0 && path) throw new Error(`config: '${path}' is an empty object.`);
      for (const [key, child] of entries) {
        if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error(`config: key '${key}' under '${path || '(root)'}' is not an option name ([A-Za-z0-9_-]).`);
        visit(child, path ? `${path}.${key}` : key);
      }
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`config: '${path}' is a ${typeof value}; use strings, numbers, booleans, arrays or objects.`);
    }
    checkOption(path, 'config');
    args.push(`--${path}=${String(value)}`);
  };
  visit(config, '');
  return args;
}

/** The name of the sitespeed.io container, which RunTask's overrides name. */
export const CONTAINER_NAME = 'sitespeed';

/**
 * RunTask allows 8192 characters for the whole overrides JSON, its formatting included
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html, `overrides`).
 */
export const MAX_OVERRIDES_CHARS = 8192;

/** The container environment variable that marks a confirmation run. */
export const RERUN_VARIABLE = 'CDK_SITESPEED_RERUN';

/** The container environment variable that marks a run started on demand (`cdk-sitespeed run`), not by its schedule. */
export const ON_DEMAND_VARIABLE = 'CDK_SITESPEED_ON_DEMAND';

/** The overrides runTask sends for a run: the one definition that runTask sends and the size checks measure. */
export function runOverrides(args: string[], rerun: boolean, containerName: string = CONTAINER_NAME, onDemand = false) {
  // The marks the stopped task's event carries to the run outcome (lambda-src/shared/task-event.ts).
  const marks = [...(rerun ? [{ name: RERUN_VARIABLE, value: 'true' }] : []), ...(onDemand ? [{ name: ON_DEMAND_VARIABLE, value: 'true' }] : [])];
  return {
    containerOverrides: [{
      name: containerName,
      command: args,
      ...(marks.length > 0 ? { environment: marks } : {}),
    }],
  };
}

/**
 * The characters of the largest overrides a run's arguments make: with both marks (a confirmation
 * run has the re-run mark, a run of `cdk-sitespeed run` the on-demand one), an upper bound of either.
 */
export function overridesSize(args: string[]): number {
  return JSON.stringify(runOverrides(args, true, CONTAINER_NAME, true)).length;
}

/**
 * What is wrong with a run request's arguments, against the rules the renderer follows: the
 * slug given once and equal to the site, no forbidden option, no typed option twice, and within
 * RunTask's size. runTask checks every request with it, so a hand-made or edited request that
 * breaks them starts nothing.
 */
export function runArgsProblems(site: string, args: string[]): string[] {
  const problems: string[] = [];
  const slugAt = args.flatMap((a, i) => (a === '--slug' || a.startsWith('--slug=') ? [i] : []));
  const slugValue = slugAt.length === 1 ? (args[slugAt[0]].startsWith('--slug=') ? args[slugAt[0]].slice(7) : args[slugAt[0] + 1]) : undefined;
  if (slugValue !== site) {
    problems.push(`the arguments must give --slug once, equal to the site '${site}' (found ${slugAt.length === 1 ? `'${slugValue}'` : `${slugAt.length} times`})`);
  }
  for (const [i, arg] of args.entries()) {
    if (joinedOption(arg)) problems.push(`args[${i}] '${arg}' holds an option and its value in one element`);
  }
  const seen = new Set<string>();
  // The renderer gives one --urlAlias per URL (the inputs before the first option): those repeats are its own.
  const firstOption = args.findIndex(a => a.startsWith('-'));
  const urls = firstOption < 0 ? args.length : firstOption;
  let aliases = 0;
  for (const name of optionNames(args)) {
    if (name === '') {
      problems.push("a bare '--' ends sitespeed.io's options: the arguments after it would be read as URLs");
      continue;
    }
    const declared = declaredOption(name);
    const refused = refusal(declared);
    if (declared === 'urlAlias' && ++aliases <= urls) continue;
    if (refused && !refused.typed) problems.push(`'${name}' is not allowed: ${refused.reason}`);
    else if (refused && seen.has(declared)) problems.push(`'${name}' sets '${declared}' again (it is set by ${refused.reason})`);
    else if (declared === 'urlAlias') problems.push(`'${name}' is given ${aliases} times for ${urls} URL(s) (it is set by ${refused?.reason ?? 'the urls prop'})`);
    seen.add(declared);
  }
  const size = overridesSize(args);
  if (size > MAX_OVERRIDES_CHARS) {
    problems.push(`the arguments take ${size} characters as RunTask overrides; ECS allows ${MAX_OVERRIDES_CHARS}`);
  }
  return problems;
}

/**
 * An element that holds an option and its value joined by a space (`'--plugins.remove screenshot'`)
 * reaches sitespeed.io as one unknown option: the value is lost without a word.
 */
export function joinedOption(arg: string): boolean {
  return /^--?[A-Za-z][^=\s]*\s/.test(arg);
}

export function renderRunArgs(input: RunArgsInput): string[] {
  for (const [i, arg] of input.extraArgs.entries()) {
    if (joinedOption(arg)) {
      const [option, ...rest] = arg.split(/\s+/);
      throw new Error(
        `sitespeedArgs[${i}] '${arg}' holds an option and its value in one element; give them as separate elements: '${option}', '${rest.join(' ')}'.`,
      );
    }
  }
  for (const name of optionNames(input.extraArgs)) {
    if (name === '') throw new Error("sitespeedArgs: a bare '--' ends sitespeed.io's options, so the arguments after it would be read as URLs; leave it out.");
    checkOption(name, 'sitespeedArgs');
  }
  const args: string[] = [...input.inputs];
  for (const alias of input.urlAliases) args.push('--urlAlias', alias);
  args.push('--browsertime.iterations', String(input.iterations));
  args.push('--browsertime.browser', input.browser);
  args.push(...input.connectivity);
  if (input.mobile) args.push('--mobile', 'true');
  // budgetResult.json in the report folder names the failing checks (test/e2e/budget.e2e.ts).
  if (input.budgetConfigPath) args.push('--budget.configPath', input.budgetConfigPath, '--budget.output', 'json');
  if (input.graphite) {
    args.push(
      '--graphite.host', input.graphite.host,
      '--graphite.port', String(input.graphite.port),
      '--graphite.namespace', input.graphite.namespace,
    );
    if (input.graphite.httpPort !== undefined) args.push('--graphite.httpPort', String(input.graphite.httpPort));
  }
  args.push(...configArgs(input.config));
  // Where reports land: <bucket>/<slug>/<YYYY-MM-DD-HH-mm-ss>/ in UTC, so sites never collide.
  args.push('--slug', input.slug, '--utc', 'true');
  args.push('--s3.bucketname', input.reportsBucketName, '--s3.region', input.region);
  if (input.resultBaseUrl) args.push('--resultBaseURL', input.resultBaseUrl);
  args.push(...input.extraArgs);
  return args;
}

/** The value after a flag in a run's rendered arguments (flag, value: as renderRunArgs writes them). */
export function argValue(args: readonly string[] | undefined, flag: string): string | undefined {
  const i = args?.indexOf(flag) ?? -1;
  return i >= 0 ? args![i + 1] : undefined;
}
