import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ConnectivityProfile } from './connectivity-profile';
import { familyCoveredWhole } from './private/allow-list';
import { AWS_RANGES_FILE, BoundConnectivity, HOST_TC_SCRIPT } from './private/bound-connectivity';
import { IPV4_CIDR } from './private/cidr';
import { factoryOnly } from './private/factory-only';
import { forCaller } from './private/for-caller';
import { isToken } from './private/tokens';

/** Options for {@link Connectivity.hostTc}. */
export interface HostTcOptions {
  /**
   * More destinations that must never be shaped (IPv4 CIDRs), besides the instance metadata
   * (169.254.169.254), task metadata and credentials (169.254.170.2), the VPC's CIDR and DNS
   * resolver, and the run's Graphite host, which are always exempt.
   * @default - none
   */
  readonly exemptCidrs?: string[];
}

/** @internal */
export type ShapingEngine = 'none' | 'throttle' | 'hostTc';


/**
 * How a cluster's runs get their network conditions (sitespeed.io's advice: always throttle).
 * Set on the cluster; a site may pick another profile with its own `connectivityProfile`.
 */
export abstract class Connectivity {
  /** No shaping: runs use the instance's network (profiles only name the runs). */
  public static none(): Connectivity {
    return new Mode('none', undefined, []);
  }

  /**
   * sitespeed.io's throttle engine inside the task's own network namespace (bridge mode, with
   * NET_ADMIN and the ifb and sch_netem modules loaded at boot): shaping touches only the run.
   */
  public static throttle(profile: ConnectivityProfile): Connectivity {
    try {
      return new Mode('throttle', profile, []);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /**
   * Host networking with tc on the instance's interface, set up by a wrapper around the run
   * that exempts the instance's AWS traffic, so the ECS agent and credentials are never
   * starved (the stalled tasks of the setup this library grew from). One run per instance, as
   * the cluster already enforces; the wrapper refuses to start where shaping is present.
   */
  public static hostTc(profile: ConnectivityProfile, options: HostTcOptions = {}): Connectivity {
    try {
      for (const [i, cidr] of (options.exemptCidrs ?? []).entries()) {
        if (!isToken(cidr) && !IPV4_CIDR.test(cidr)) {
          throw new Error(`Connectivity.hostTc: exemptCidrs[${i}] '${cidr}' is not an IPv4 address or CIDR (e.g. '10.20.0.0/16').`);
        }
      }
      const plain = (options.exemptCidrs ?? []).filter(c => !isToken(c));
      if (familyCoveredWhole(plain) === 'IPv4') {
        throw new Error('Connectivity.hostTc: exemptCidrs together cover every IPv4 address, so no run would be shaped: list only the ranges to leave unshaped, or use Connectivity.none().');
      }
      return new Mode('hostTc', profile, options.exemptCidrs ?? []);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** The profile runs get unless their site picks another. */
  public abstract readonly profile?: ConnectivityProfile;

  /** @internal */
  public abstract readonly _engine: ShapingEngine;

  /** @internal */
  public abstract readonly _exemptCidrs: string[];

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, Connectivity, 'Connectivity.none(), Connectivity.throttle(...) or Connectivity.hostTc(...)');
  }

  /**
   * Everything the cluster's task and instances need for this choice, in one place: the cluster
   * applies it without knowing which choice it is. @internal
   */
  public _bind(scope: Construct, vpcCidrBlock: string): BoundConnectivity {
    switch (this._engine) {
      case 'throttle':
        // sitespeed.io's throttle sets up tc inside the container's own network namespace.
        return { ...UNSHAPED, netAdmin: true, shapingModules: true };
      case 'hostTc':
        // Host networking: tc on the instance's interface, set up by the shipped wrapper around
        // sitespeed.io's /start.sh, with the instance's AWS traffic exempt.
        return {
          networkMode: ecs.NetworkMode.HOST,
          netAdmin: true,
          shapingModules: true,
          environment: {
            TC_EXEC: '/start.sh',
            TC_EXEMPT_CIDRS: ['169.254.169.254/32', '169.254.170.2/32', vpcCidrBlock, ...this._exemptCidrs].join(' '),
            TC_EXEMPT_FILE: `${HOST_TC_SCRIPT.containerDir}/${AWS_RANGES_FILE}`,
          },
          entryPoint: ['/bin/bash', `${HOST_TC_SCRIPT.containerDir}/${HOST_TC_SCRIPT.file}`],
          // The wrapper passes SIGTERM to the run, waits for it, then removes its shaping: give
          // that the longest stop timeout ECS allows (120 s; the default is 30 s), after which a
          // SIGKILL skips the cleanup and the next run removes what was left.
          // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (stopTimeout)
          stopTimeout: Duration.seconds(120),
          hostScripts: [HOST_TC_SCRIPT],
          // S3's ranges in the region, read at boot from its AWS-managed prefix list.
          bootScripts: [{ shell: 'sitespeed-aws-ranges', environment: { AWS_REGION: Aws.REGION, RANGES_FILE: `${HOST_TC_SCRIPT.hostDir}/${AWS_RANGES_FILE}` } }],
          instanceStatements: [
            {
              statement: new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
              why: 'ec2:DescribeManagedPrefixLists has no resource-level permissions; it finds the region\'s S3 prefix list by name at boot.',
            },
            {
              // AWS owns the managed lists: the account part of their ARN is AWS's, not ours.
              statement: new iam.PolicyStatement({
                actions: ['ec2:GetManagedPrefixListEntries'],
                resources: [Stack.of(scope).formatArn({ service: 'ec2', account: '*', resource: 'prefix-list', resourceName: '*' })],
              }),
              why: 'Reading the entries of the region\'s prefix lists (AWS-managed ones are owned by AWS, ids unknown at synth) for host tc\'s S3 exemption.',
            },
          ],
        };
      default:
        return UNSHAPED;
    }
  }

  /** The sitespeed.io arguments for a run with `profile` (the site's, or this default). @internal */
  public _args(profile: ConnectivityProfile | undefined): string[] {
    const chosen = profile ?? this.profile;
    switch (this._engine) {
      case 'throttle':
        return ['--browsertime.connectivity.engine', 'throttle', ...(chosen?._args() ?? [])];
      case 'hostTc':
        return ['--browsertime.connectivity.engine', 'external', ...(chosen?._args(true) ?? [])];
      default:
        return chosen?._args() ?? [];
    }
  }
}

/** Bridge mode: runs reach the sites under test without a NAT gateway, which awsvpc tasks on EC2 cannot (no public IP). */
const UNSHAPED: BoundConnectivity = {
  networkMode: ecs.NetworkMode.BRIDGE,
  netAdmin: false,
  shapingModules: false,
  environment: {},
  hostScripts: [],
  bootScripts: [],
  instanceStatements: [],
};

class Mode extends Connectivity {
  constructor(
    public readonly _engine: ShapingEngine,
    public readonly profile: ConnectivityProfile | undefined,
    public readonly _exemptCidrs: string[],
  ) {
    super();
  }
}
