import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GraphiteGrafana, GraphiteGrafanaProps } from './graphite-grafana';
import { forCaller } from './private/for-caller';
import { ISitespeedMetrics } from './sitespeed-metrics';

/** Properties of a {@link MetricsStack}: the stack's and its {@link GraphiteGrafana}'s. */
export interface MetricsStackProps extends StackProps, GraphiteGrafanaProps {}

/**
 * A stack of its own for Graphite and Grafana (a {@link GraphiteGrafana} with the id 'Metrics'):
 * the layout we recommend, since the metrics outlive redeployments of the test clusters. Its
 * outputs are what the first run needs: the instance to reach Grafana through, the admin
 * password's secret, and Graphite's host. Keep the VPC in a stack of its own (or in this one),
 * not in the clusters' stack: the two would depend on each other.
 */
export class MetricsStack extends Stack implements ISitespeedMetrics {
  /** The Graphite and Grafana this stack holds. */
  public readonly graphiteGrafana: GraphiteGrafana;

  constructor(scope: Construct, id: string, props: MetricsStackProps) {
    super(scope, id, props);
    try {
      this.graphiteGrafana = new GraphiteGrafana(this, 'Metrics', props);
      new CfnOutput(this, 'MetricsAutoScalingGroup', {
        description: 'The metrics instance\'s group: Session Manager port forwarding to Grafana goes through its instance',
        value: this.graphiteGrafana.autoScalingGroup.autoScalingGroupName,
      });
      new CfnOutput(this, 'GrafanaAdminSecret', {
        description: 'Grafana\'s admin user and password',
        value: this.graphiteGrafana.grafanaAdminSecret.secretArn,
      });
      new CfnOutput(this, 'GraphiteAuthSecret', {
        description: 'The user and password Graphite\'s HTTP side admits (annotations, render API)',
        value: this.graphiteGrafana.graphiteAuthSecret.secretArn,
      });
      new CfnOutput(this, 'GraphiteHost', { description: 'Graphite\'s private DNS name', value: this.graphiteGrafana.graphiteHost });
    } catch (error) {
      throw forCaller(error);
    }
  }

  public get graphiteHost(): string {
    return this.graphiteGrafana.graphiteHost;
  }

  public get graphitePort(): number {
    return this.graphiteGrafana.graphitePort;
  }

  public get graphiteHttpPort(): number {
    return this.graphiteGrafana.graphiteHttpPort;
  }

  public get graphiteAuth(): secretsmanager.ISecret | undefined {
    return this.graphiteGrafana.graphiteAuth;
  }

  public get graphiteNamespace(): string {
    return this.graphiteGrafana.graphiteNamespace;
  }

  public allowMetricsFrom(peer: ec2.IConnectable): void {
    this.graphiteGrafana.allowMetricsFrom(peer);
  }
}
