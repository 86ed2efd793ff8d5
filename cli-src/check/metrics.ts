import { CheckContext } from './context';
import { Metrics } from './deployment';
import { probeScript, probeValues, runOnInstance } from './remote-shell';
import { fail, Line, pass, skip } from './report';
import { containerInstances } from '../../lambda-src/shared/container-instances';

const STEP = 'metrics';

export interface KeysQuery {
  /** Graphite's find query for the site's keys, `<namespace>.<slug>.*`. */
  readonly keys: string;
  /** The annotation tag sitespeed.io sends (the slug). */
  readonly tag: string;
  /** Annotations since (epoch seconds). */
  readonly from: number;
}

/** Runs the metrics probe (shell/sitespeed-check-metrics.sh) on the metrics instance: its values, or a ✗/– line. */
export async function probeMetrics(ctx: CheckContext, metrics: Metrics, step: string, query?: KeysQuery): Promise<Map<string, string> | Line> {
  const instance = (await containerInstances(ctx.clients.ecs, metrics.clusterName)).find(i => i.ec2InstanceId);
  if (!instance) {
    return skip(step, `${metrics.clusterName}: no metrics instance to ask (see instances)`);
  }
  const env: Record<string, string> = {
    GRAPHITE_URL: metrics.graphiteUrl,
    SECRET_ARN: metrics.graphiteAuthSecretArn,
    GRAFANA_PORT: String(metrics.grafanaPort),
    AWS_REGION: await ctx.clients.ssm.config.region(),
  };
  if (query) Object.assign(env, { KEYS_QUERY: query.keys, EVENTS_TAG: query.tag, EVENTS_FROM: String(query.from) });
  const result = await runOnInstance(ctx.clients.ssm, instance.ec2InstanceId!, probeScript('sitespeed-check-metrics.sh'), env, ctx.clock,
    ctx.options.stepTimeoutSeconds);
  if (result.status !== 'Success') {
    return fail(step, `${metrics.clusterName}: the probe on ${instance.ec2InstanceId} ended ${result.status} (exit ${result.exitCode}) ${result.errors.trim()}`.trim(),
      `is the instance managed by SSM? \`aws ssm describe-instance-information --filters Key=InstanceIds,Values=${instance.ec2InstanceId}\` (it needs a route to SSM)`);
  }
  return probeValues(result.output);
}

/** Graphite closed to anonymous requests and open with the stack's credentials; Grafana healthy. */
export async function checkMetrics(ctx: CheckContext): Promise<Line[]> {
  if (ctx.deployment.metrics.length === 0) {
    return [skip(STEP, 'no MetricsStack or GraphiteGrafana in these stacks', 'add its stack: --stack prod-Metrics')];
  }
  const lines: Line[] = [];
  for (const metrics of ctx.deployment.metrics) {
    const values = await probeMetrics(ctx, metrics, STEP);
    if (!(values instanceof Map)) {
      lines.push(values);
      continue;
    }
    const at = `${metrics.graphiteUrl}`;
    const anonymous = values.get('graphite_anonymous');
    if (anonymous === '401') {lines.push(pass(STEP, `Graphite at ${at} refuses anonymous requests (401)`));} else if (anonymous === '000') {
      lines.push(fail(STEP, `Graphite at ${at} does not answer`, `the Graphite service of ${metrics.clusterName} is not running: \`aws ecs list-tasks --cluster ${metrics.clusterName}\`, and its log group`));
    } else {
      lines.push(fail(STEP, `Graphite at ${at} answers anonymous requests with ${anonymous}, not 401`,
        'the Graphite task does not mount cdk-sitespeed\'s nginx site over the image\'s (which has no auth_basic): deploy this version of the library; with your own graphiteImage, its nginx must include /etc/nginx/sites-enabled/'));
    }
    if (values.get('secret') === 'unreadable') {
      lines.push(fail(STEP, 'the metrics instance cannot read Graphite\'s credentials secret', `its role needs secretsmanager:GetSecretValue on ${metrics.graphiteAuthSecretArn} (granted by the construct: changed by a boundary?)`));
    } else {
      const authenticated = values.get('graphite_authenticated');
      lines.push(authenticated === '200'
        ? pass(STEP, 'Graphite accepts the stack\'s credentials (200)')
        : fail(STEP, `Graphite answers ${authenticated} with the stack's credentials, not 200`,
          'the htpasswd on the instance is older than the secret: reboot the metrics instance (the boot writes it again)'));
    }
    const grafana = values.get('grafana_health');
    lines.push(grafana === '200'
      ? pass(STEP, `Grafana is healthy (/api/health 200 on port ${metrics.grafanaPort})`)
      : fail(STEP, `Grafana's /api/health answers ${grafana}`, `the Grafana service of ${metrics.clusterName}: \`aws ecs describe-services\`, and its log group`));
  }
  return lines;
}
