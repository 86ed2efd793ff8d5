import { SITE_SLUG, SITE_SLUG_RULE } from '../../src/contract/site-names';
import { runArgsProblems } from '../../src/contract/sitespeed-args';
import { requiredEnv, BadRequestError } from '../shared/handler';
/** What a schedule (or a person, for "run now") sends the runTask Lambda. */
export interface RunRequest {
  /** The site's slug: names the run's tasks and its report folder. */
  readonly site: string;
  /** sitespeed.io's arguments, one element per argument: never a joined string. */
  readonly args: string[];
  /** A confirmation run SiteAlerts starts after a failure: its outcome never starts another. */
  readonly rerun?: boolean;
  /** A run started on demand (`cdk-sitespeed run`): judged for regressions, never part of a baseline. */
  readonly onDemand?: boolean;
}

/** Where runs go: the Lambda's environment, set by the construct. */
export interface RunnerConfig {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly capacityProvider: string;
  readonly containerName: string;
  /** How long a run may wait in PROVISIONING before a new run of its site replaces it. */
  readonly provisioningLimitMinutes: number;
}


export { BadRequestError };


/** Checks an incoming event and returns it typed, or throws a BadRequestError naming the field. */
export function parseRunRequest(event: unknown): RunRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new BadRequestError(`the event must be an object {"site": string, "args": string[]}, got ${describe(event)}`);
  }
  const { site, args, rerun, onDemand } = event as Record<string, unknown>;
  if (rerun !== undefined && typeof rerun !== 'boolean') {
    throw new BadRequestError(`"rerun" must be true or false when given, got ${describe(rerun)}`);
  }
  if (onDemand !== undefined && typeof onDemand !== 'boolean') {
    throw new BadRequestError(`"onDemand" must be true or false when given, got ${describe(onDemand)}`);
  }
  if (typeof site !== 'string' || !SITE_SLUG.test(site)) {
    throw new BadRequestError(`"site" must be a slug of ${SITE_SLUG_RULE}, got ${describe(site)}`);
  }
  if (!Array.isArray(args) || args.length === 0) {
    throw new BadRequestError(`"args" must be a non-empty array of strings, got ${describe(args)}`);
  }
  const notString = args.findIndex(a => typeof a !== 'string');
  if (notString >= 0) {
    throw new BadRequestError(`"args[${notString}]" must be a string, got ${describe(args[notString])}`);
  }
  const problems = runArgsProblems(site, args as string[]);
  if (problems.length > 0) {
    throw new BadRequestError(`"args" break the rules of a rendered run, so nothing starts: ${problems.join('; ')}`);
  }
  return { site, args: args as string[], ...(rerun ? { rerun } : {}), ...(onDemand ? { onDemand } : {}) };
}

/** The runner's configuration from its environment; a missing variable is a deployment bug. */
export function runnerConfigFromEnv(env: NodeJS.ProcessEnv): RunnerConfig {
  const get = (name: string) => requiredEnv(env, name);
  return {
    cluster: get('CLUSTER_ARN'),
    taskDefinition: get('TASK_DEFINITION_ARN'),
    capacityProvider: get('CAPACITY_PROVIDER'),
    containerName: get('CONTAINER_NAME'),
    provisioningLimitMinutes: positiveNumber('PROVISIONING_LIMIT_MINUTES', env.PROVISIONING_LIMIT_MINUTES ?? '30'),
  };
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number of minutes, got '${text}'`);
  return value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
