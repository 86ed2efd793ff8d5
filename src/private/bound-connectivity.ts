import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';

/** A shipped script (shell/<shell>.sh) installed in a folder on the instance and mounted read-only into the task. */
export interface HostScript {
  readonly shell: string;
  readonly file: string;
  readonly hostDir: string;
  readonly containerDir: string;
  readonly volumeName: string;
}

/** What a Connectivity choice asks of the cluster's task definition and instances. */
export interface BoundConnectivity {
  readonly networkMode: ecs.NetworkMode;
  /** The container needs the NET_ADMIN capability. */
  readonly netAdmin: boolean;
  /**
   * The instances load the ifb and sch_netem modules at boot, and runs are placed only on
   * instances where that worked (the boot script's SHAPING_ATTRIBUTE).
   */
  readonly shapingModules: boolean;
  readonly environment: Record<string, string>;
  readonly entryPoint?: string[];
  /** How long ECS waits after SIGTERM before SIGKILL. */
  readonly stopTimeout?: Duration;
  readonly hostScripts: HostScript[];
  /** Shipped scripts (shell/<shell>.sh) the instances run at boot, with their environment. */
  readonly bootScripts: { readonly shell: string; readonly environment: Record<string, string> }[];
  /** What those scripts need of the instance role, each with why a wildcard in it is as narrow as it gets. */
  readonly instanceStatements: { readonly statement: iam.PolicyStatement; readonly why: string }[];
}

/** Host tc's wrapper: where the instance keeps it, and where the task sees it. */
export const HOST_TC_SCRIPT: HostScript = {
  shell: 'sitespeed-host-tc',
  file: 'sitespeed-host-tc.sh',
  hostDir: '/usr/local/lib/cdk-sitespeed',
  containerDir: '/cdk-sitespeed',
  volumeName: 'cdk-sitespeed-tools',
};

/** Where the boot writes S3's address ranges for host tc's wrapper (beside it, so the task sees it too). */
export const AWS_RANGES_FILE = 'exempt-cidrs.txt';
