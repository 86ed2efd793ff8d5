import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

/**
 * Where sitespeed.io runs send their metrics: a {@link GraphiteGrafana} construct, or the
 * {@link MetricsStack} that holds one. Clusters and sites take either.
 */
export interface ISitespeedMetrics extends IConstruct {
  /** Graphite's host name (plain text protocol and HTTP). */
  readonly graphiteHost: string;
  /** Graphite's plain text port. */
  readonly graphitePort: number;
  /** Graphite's HTTP port (annotations). */
  readonly graphiteHttpPort: number;
  /** The Graphite key prefix of the sites that send here. */
  readonly graphiteNamespace: string;
  /**
   * The user (`username`) and password (`password`) Graphite's HTTP side (annotations) admits.
   * Clusters sending here get them as ECS secrets, never in a run's arguments.
   * @default - Graphite's HTTP side needs no credentials
   */
  readonly graphiteAuth?: secretsmanager.ISecret;
  /** Lets a sender (a sitespeed.io cluster) reach Graphite. */
  allowMetricsFrom(peer: ec2.IConnectable): void;
}
