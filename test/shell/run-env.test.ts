import { spawnSync } from 'child_process';
import { Template } from 'aws-cdk-lib/assertions';
import { GraphiteGrafana, SitespeedCluster } from '../../src';
import { stackWithVpc } from '../helpers';

/**
 * The sitespeed.io container's entrypoint as ECS runs it (the template's EntryPoint, then the
 * run's arguments), with the image's /start.sh replaced by a probe that prints what it got.
 */
function entryPoint(): string[] {
  const { stack, vpc } = stackWithVpc();
  new SitespeedCluster(stack, 'Sitespeed', { vpc, metrics: new GraphiteGrafana(stack, 'Metrics', { vpc }) });
  const task = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))
    .find(t => t.Properties.ContainerDefinitions[0].Name === 'sitespeed')!;
  return task.Properties.ContainerDefinitions[0].EntryPoint;
}

const PROBE = 'echo "auth=${SITESPEED_IO_GRAPHITE__AUTH-unset} user=${GRAPHITE_AUTH_USER-unset} password=${GRAPHITE_AUTH_PASSWORD-unset} args=$*"';

function run(args: string[], env: Record<string, string>) {
  const command = entryPoint();
  expect(command.slice(-1)).toEqual(['/start.sh']);
  const probe = [...command.slice(0, -1), '/bin/bash', '-c', PROBE, 'probe'];
  const result = spawnSync(probe[0], [...probe.slice(1), ...args], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

const SECRETS = { GRAPHITE_AUTH_USER: 'sitespeed', GRAPHITE_AUTH_PASSWORD: 'Pw0rd', GRAPHITE_AUTH_HOST: 'graphite.sitespeed.internal' };

test('a run that sends to the stack\'s Graphite gets user:password as SITESPEED_IO_GRAPHITE__AUTH, and the two secrets no further', () => {
  expect(run(['https://a.example/', '--graphite.host', 'graphite.sitespeed.internal', '--slug', 'a'], SECRETS))
    .toBe('auth=sitespeed:Pw0rd user=unset password=unset args=https://a.example/ --graphite.host graphite.sitespeed.internal --slug a');
  expect(run(['https://a.example/', '--graphite.host=graphite.sitespeed.internal'], SECRETS)).toMatch(/^auth=sitespeed:Pw0rd /);
});

test('a run that sends elsewhere (a Graphite of its own) or nowhere does not get them', () => {
  expect(run(['https://a.example/', '--graphite.host', 'graphite.example.com'], SECRETS)).toMatch(/^auth=unset user=unset password=unset /);
  expect(run(['https://a.example/'], SECRETS)).toMatch(/^auth=unset /);
});

test('without credentials (a cluster without metrics) the arguments pass through untouched, spaces and all', () => {
  expect(run(['https://a.example/', '--browsertime.userAgent', 'Mozilla/5.0 (X11) a  b', '--graphite.host', 'g'], {}))
    .toBe('auth=unset user=unset password=unset args=https://a.example/ --browsertime.userAgent Mozilla/5.0 (X11) a  b --graphite.host g');
});
