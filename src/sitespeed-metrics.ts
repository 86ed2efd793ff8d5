import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
  /** Lets a sender (a sitespeed.io cluster) reach Graphite. */
  allowMetricsFrom(peer: ec2.IConnectable): void;
}
