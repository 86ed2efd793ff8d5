/** Graphite annotations of a marker, through SSM Run Command on the metrics instance (annotation-script.ts). */
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ANNOTATION_SCRIPT } from './annotation-script';
import { DeployMarker, MarkerKind } from '../../src/contract/deploy-markers';
import { CLUSTER_TAG } from '../../src/contract/site-names';
import { containerInstances } from '../shared/container-instances';
import { runShellOnInstance, ShellWait } from '../shared/remote-command';

/** A site as the function knows it: its slug and its Graphite namespace (`<base>.<path>`). */
export interface MarkedSite {
  readonly site: string;
  readonly namespace: string;
}

export interface GraphiteTarget {
  /** The metrics ECS cluster, whose one instance runs the script. */
  readonly cluster: string;
  /** Graphite's URL as the instance reaches it. */
  readonly url: string;
  readonly secretArn: string;
  readonly region: string;
  /** The metrics instance's cdk-sitespeed:cluster tag, which the function's SendCommand permission requires. */
  readonly tagValue?: string;
}

export interface AnnotationEvent {
  readonly site: string;
  readonly what: string;
  readonly tags: string[];
  readonly when: number;
  readonly data: string;
}

const WHAT: Record<MarkerKind, string> = { deploy: 'Deploy', regression: 'Slower', recovered: 'Recovered', baseline: 'New baseline' };

/**
 * One Graphite event per site, tagged as sitespeed.io tags its run annotations where a marker can
 * know them: the namespace's two parts (the dashboards' $base and $path) and the slug
 * (sitespeed.io v42.3.0 lib/plugins/graphite/send-annotation.js: connectivity, browser,
 * namespace[0], namespace[1], the page's group and URL, then the slug), plus the marker's kind
 * (`deploy`, `regression`, `recovered`, `baseline`).
 */
export function annotationEvents(marker: DeployMarker, sites: MarkedSite[]): AnnotationEvent[] {
  const kind = marker.kind ?? 'deploy';
  return sites.map(({ site, namespace }) => ({
    site,
    what: `${WHAT[kind]}: ${marker.message}`,
    tags: [...namespace.split('.').slice(0, 2), site, kind],
    when: Math.floor(Date.parse(marker.at) / 1000),
    data: `${marker.message} (${marker.source})`,
  }));
}

/** How the function waits for the command: the clock and how long (the function's own timeout is 2 minutes). */
export interface Waiting extends ShellWait {
  readonly timeoutSeconds: number;
}

/** Posts the events; the sites Graphite accepted (200) and, for the rest, why not. */
export async function annotate(ecs: ECSClient, ssm: SSMClient, target: GraphiteTarget, events: AnnotationEvent[],
  waiting: Waiting): Promise<{ accepted: string[]; problems: string[] }> {
  const instance = (await containerInstances(ecs, target.cluster)).find(i => i.ec2InstanceId && i.status === 'ACTIVE');
  if (!instance) return { accepted: [], problems: [`no metrics instance is running in ${target.cluster} to post the annotations`] };
  const id = instance.ec2InstanceId!;
  let result;
  try {
    result = await runShellOnInstance(ssm, {
      instanceId: id,
      script: ANNOTATION_SCRIPT,
      env: { GRAPHITE_URL: target.url, SECRET_ARN: target.secretArn, AWS_REGION: target.region, EVENTS: JSON.stringify(events) },
      comment: 'cdk-sitespeed deploy marker: Graphite annotations',
      timeoutSeconds: waiting.timeoutSeconds,
    }, waiting);
  } catch (e: any) {
    if (e?.name !== 'AccessDeniedException') throw e;
    // The permission holds for instances with the library's tag; one launched before the tag existed lacks it.
    return {
      accepted: [],
      problems: [`SSM refused the command on ${id}: does it carry the tag ${CLUSTER_TAG}=${target.tagValue ?? '(see GraphiteGrafana.instanceTagValue)'}? ` +
        'A metrics instance launched before cdk-sitespeed tagged it gets the tag at its next replacement; or tag it now: ' +
        `aws ec2 create-tags --resources ${id} --tags Key=${CLUSTER_TAG},Value=${target.tagValue ?? 'VALUE'}`],
    };
  }
  return outcomeOf(events, result.output, `${result.status} (exit ${result.exitCode}) ${result.errors}`.trim());
}

/** The script's `annotated=<site> <status>` lines read against the events sent. */
export function outcomeOf(events: AnnotationEvent[], output: string, ended: string): { accepted: string[]; problems: string[] } {
  const status = new Map<string, string>();
  for (const m of output.matchAll(/^annotated=(\S+) (\d{3})$/gm)) status.set(m[1], m[2]);
  const accepted = events.filter(e => status.get(e.site) === '200').map(e => e.site);
  const problems = events.filter(e => status.get(e.site) !== '200').map(e => {
    const s = status.get(e.site);
    if (/secret=unreadable/.test(output)) return `${e.site}: the metrics instance cannot read Graphite's credentials secret`;
    if (s === undefined) return `${e.site}: the annotation script ended ${ended} without posting`;
    return `${e.site}: Graphite answered ${s === '000' ? 'nothing (is the Graphite service running?)' : s} to POST /events/`;
  });
  return { accepted, problems };
}
