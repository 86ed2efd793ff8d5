import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { annotationEvents, outcomeOf } from '../../lambda-src/deploy-marker/annotate';
import { ANNOTATION_SCRIPT } from '../../lambda-src/deploy-marker/annotation-script';
import { markerConfigFromEnv } from '../../lambda-src/deploy-marker/mark-deploy';
import { describeEvent, markerOf } from '../../lambda-src/deploy-marker/marker';
import { keptMarkers } from '../../lambda-src/deploy-marker/record';
import { remoteCommand } from '../../lambda-src/shared/remote-command';
import { DeployMarker, MAX_MARKERS, parseMarkerFile } from '../../src/contract/deploy-markers';

const SITES = ['shop', 'blog'];
const NOW = new Date('2026-12-06T18:40:00Z');

describe('a marker from a request', () => {
  test('message, sites, id and time as given; every site when none are', () => {
    expect(markerOf({ message: ' v1.2.3 ', sites: ['blog', 'blog'], id: 'rel-42', at: '2026-12-06T18:00:00Z' }, SITES, NOW))
      .toEqual({ id: 'rel-42', at: '2026-12-06T18:00:00.000Z', message: 'v1.2.3', sites: ['blog'], source: 'cdk-sitespeed mark' });
    const marker = markerOf({ message: 'v2' }, SITES, NOW);
    expect(marker).toMatchObject({ at: NOW.toISOString(), sites: SITES });
    expect(marker.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(markerOf({ message: 'v2' }, SITES, NOW).id).not.toBe(marker.id);
  });

  test.each([
    [{}, /message must be a non-empty string/],
    [{ message: 'a\nb' }, /message must be one line of at most 200/],
    [{ message: 'x'.repeat(201) }, /message must be one line/],
    [{ message: 'v1', sites: ['shop', 'nope'] }, /sites: no site 'nope' here; choose from shop, blog/],
    [{ message: 'v1', sites: 'shop' }, /sites must be a list of site slugs/],
    [{ message: 'v1', id: 'has space' }, /id must match/],
    [{ message: 'v1', at: 'yesterday' }, /at must be an ISO 8601 time/],
    [{ message: 'v1', site: 'shop' }, /unknown field\(s\) site: allowed are message, sites, id, at, source/],
    [[], /the request must be an object/],
    ['v1', /the request must be an object/],
  ])('refused, naming the field: %j', (request, problem) => {
    expect(() => markerOf(request, SITES, NOW)).toThrow(problem);
    expect(() => markerOf(request, SITES, NOW)).toThrow(/^not a deploy marker request: /);
  });
});

describe('a marker from a rule\'s input (a deploy event)', () => {
  const pipeline = {
    fromEvent: {
      id: '6f8f1d8e-1c2a-4a4b-9b8e-000000000001',
      time: '2026-12-06T17:59:58Z',
      source: 'aws.codepipeline',
      detailType: 'CodePipeline Pipeline Execution State Change',
      detail: { 'pipeline': 'shop-release', 'execution-id': 'abc-123', 'state': 'SUCCEEDED', 'version': 4 },
    },
    sites: [],
  };

  test('the event\'s id (a copy marks once), time and source; every site when the rule names none', () => {
    expect(markerOf(pipeline, SITES, NOW)).toEqual({
      id: 'event:6f8f1d8e-1c2a-4a4b-9b8e-000000000001',
      at: '2026-12-06T17:59:58.000Z',
      message: 'shop-release SUCCEEDED (execution abc-123)',
      sites: SITES,
      source: 'aws.codepipeline CodePipeline Pipeline Execution State Change',
    });
    expect(markerOf({ ...pipeline, sites: ['blog'] }, SITES, NOW).sites).toEqual(['blog']);
  });

  test('a site the cluster no longer has, or an input without the event\'s fields, is refused by name', () => {
    expect(() => markerOf({ ...pipeline, sites: ['gone'] }, SITES, NOW)).toThrow(/sites: no site 'gone' on this cluster; choose from shop, blog/);
    expect(() => markerOf({ fromEvent: { id: 'x' }, sites: [] }, SITES, NOW)).toThrow(/fromEvent needs the event's id, time, source and detailType/);
  });

  test('CodeDeploy, ECS and any other event say what was deployed, on one bounded line', () => {
    expect(describeEvent('CodeDeploy Deployment State-change Notification',
      { application: 'shop', deploymentGroup: 'prod', state: 'SUCCESS', deploymentId: 'd-ABC' })).toBe('shop/prod SUCCESS (deployment d-ABC)');
    expect(describeEvent('ECS Deployment State Change', { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/1' }))
      .toBe('SERVICE_DEPLOYMENT_COMPLETED (ECS deployment ecs-svc/1)');
    expect(describeEvent('Release', { version: '1.2', nested: { a: 1 }, ok: true })).toBe('Release: version=1.2 ok=true');
    const long = markerOf({ ...pipeline, fromEvent: { ...pipeline.fromEvent, detail: { pipeline: 'p\n'.repeat(300) } } }, SITES, NOW);
    expect(long.message).toHaveLength(200);
    expect(long.message).not.toMatch(/\n/);
  });
});

describe('the markers file', () => {
  const marker = (id: string, at: string): DeployMarker => ({ id, at, message: id, sites: ['shop'], source: 's' });

  test('markers older than the reports\' retention go; the newest MAX_MARKERS stay, in time order', () => {
    const kept = keptMarkers([marker('b', '2026-12-01T00:00:00.000Z'), marker('old', '2026-08-01T00:00:00.000Z'), marker('a', '2026-11-30T00:00:00.000Z')], 90, NOW);
    expect(kept.map(m => m.id)).toEqual(['a', 'b']);
    expect(keptMarkers([marker('old', '2020-01-01T00:00:00.000Z')], null, NOW)).toHaveLength(1);
    const many = Array.from({ length: MAX_MARKERS + 5 }, (_, i) => marker(`m${i}`, new Date(NOW.getTime() - i * 60_000).toISOString()));
    const capped = keptMarkers(many, null, NOW);
    expect(capped).toHaveLength(MAX_MARKERS);
    expect(capped[capped.length - 1].id).toBe('m0');
  });

  test('a file that is not one (corrupt, another version, a marker without sites) is not read as one', () => {
    expect(parseMarkerFile('{"version":1,"markers":[]}')).toEqual({ version: 1, markers: [] });
    expect(parseMarkerFile('{"version":1,"markers":[{"id":"a"}]}')).toBeUndefined();
    expect(parseMarkerFile('{"version":2,"markers":[]}')).toBeUndefined();
    expect(parseMarkerFile('{not json')).toBeUndefined();
  });

  test('the function\'s environment: without METRICS_CLUSTER no Graphite; a bad RETENTION_DAYS is named', () => {
    const env = { REPORTS_BUCKET: 'r', RETENTION_DAYS: '', SITES: '[["",["shop"]],["sitespeed_io.prod",["blog","docs"]]]', AWS_REGION: 'eu-north-1' };
    expect(markerConfigFromEnv(env)).toEqual({
      bucket: 'r',
      retentionDays: null,
      sites: [{ site: 'shop' }, { site: 'blog', namespace: 'sitespeed_io.prod' }, { site: 'docs', namespace: 'sitespeed_io.prod' }],
    });
    expect(markerConfigFromEnv({ ...env, METRICS_CLUSTER: 'm', GRAPHITE_URL: 'http://g', GRAPHITE_SECRET_ARN: 'arn' }).graphite)
      .toEqual({ cluster: 'm', url: 'http://g', secretArn: 'arn', region: 'eu-north-1' });
    expect(() => markerConfigFromEnv({ ...env, RETENTION_DAYS: 'x' })).toThrow(/RETENTION_DAYS is 'x'/);
    expect(() => markerConfigFromEnv({ ...env, METRICS_CLUSTER: 'm' })).toThrow(/GRAPHITE_URL is not set/);
  });
});

describe('Graphite annotations', () => {
  const marker: DeployMarker = { id: 'x', at: '2026-12-06T18:00:00.000Z', message: 'v1.2.3', sites: ['shop'], source: 'cdk-sitespeed mark' };

  test('tagged with the namespace\'s two parts (the dashboards\' $base and $path), the slug and deploy', () => {
    expect(annotationEvents(marker, [{ site: 'shop', namespace: 'sitespeed_io.prod' }])).toEqual([{
      site: 'shop', what: 'Deploy: v1.2.3', tags: ['sitespeed_io', 'prod', 'shop', 'deploy'], when: 1796580000, data: 'v1.2.3 (cdk-sitespeed mark)',
    }]);
  });

  test('the script\'s lines read per site: 200 accepted, anything else a problem that says what', () => {
    const events = annotationEvents({ ...marker, sites: ['a', 'b', 'c'] }, ['a', 'b', 'c'].map(site => ({ site, namespace: 'x.y' })));
    expect(outcomeOf(events, 'annotated=a 200\nannotated=b 000\n', 'Success (exit 0)')).toEqual({
      accepted: ['a'],
      problems: ['b: Graphite answered nothing (is the Graphite service running?) to POST /events/', 'c: the annotation script ended Success (exit 0) without posting'],
    });
    expect(outcomeOf(events.slice(0, 1), 'secret=unreadable\n', 'Failed (exit 3)').problems).toEqual(['a: the metrics instance cannot read Graphite\'s credentials secret']);
  });

  /** The script as SSM runs it (remoteCommand), with the instance's `aws` answering get-secret-value, against an events API stand-in. */
  async function runScript(answer: number, secret: string) {
    const posted: Array<{ authorization?: string; type?: string; body: any }> = [];
    // graphite-web 1.1.10 webapp/graphite/events/views.py post_event: a JSON body, tags a list or a space-separated string, 200.
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => { body += c; });
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/events/') posted.push({ authorization: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annotate-'));
    fs.writeFileSync(path.join(dir, 'aws'), `#!/bin/bash\n[ "$1 $2" = "secretsmanager get-secret-value" ] || exit 2\ncat <<'SECRET'\n${secret}\nSECRET\n`, { mode: 0o755 });
    const events = annotationEvents({ ...marker, sites: ['shop', 'blog'] }, [{ site: 'shop', namespace: 'sitespeed_io.prod' }, { site: 'blog', namespace: 'sitespeed_io.prod' }]);
    const command = remoteCommand(ANNOTATION_SCRIPT, {
      GRAPHITE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET_ARN: 'arn:aws:secretsmanager:eu-north-1:1:secret:g', AWS_REGION: 'eu-north-1', EVENTS: JSON.stringify(events),
    });
    const result = await new Promise<{ code: number; out: string }>(resolve => execFile('bash', ['-c', command], { env: { PATH: `${dir}:/usr/bin:/bin` } },
      (error, stdout) => resolve({ code: error ? (error as any).code : 0, out: stdout })));
    server.close();
    return { ...result, posted, outcome: outcomeOf(events, result.out, `exit ${result.code}`) };
  }

  test('the script posts one event per site with the stack\'s credentials, as graphite-web takes them', async () => {
    const { code, posted, outcome, out } = await runScript(200, '{"username":"sitespeed","password":"p w\'d"}');
    expect(code).toBe(0);
    expect(outcome).toEqual({ accepted: ['shop', 'blog'], problems: [] });
    expect(posted.map(p => p.body)).toEqual([
      { what: 'Deploy: v1.2.3', tags: ['sitespeed_io', 'prod', 'shop', 'deploy'], when: 1796580000, data: 'v1.2.3 (cdk-sitespeed mark)' },
      { what: 'Deploy: v1.2.3', tags: ['sitespeed_io', 'prod', 'blog', 'deploy'], when: 1796580000, data: 'v1.2.3 (cdk-sitespeed mark)' },
    ]);
    expect(posted[0].authorization).toBe(`Basic ${Buffer.from('sitespeed:p w\'d').toString('base64')}`);
    expect(posted[0].type).toBe('application/json');
    expect(out).not.toContain('p w');
  });

  test('a refusal is reported per site, and an unreadable secret stops before any post', async () => {
    expect((await runScript(401, '{"username":"u","password":"p"}')).outcome.problems).toEqual([
      'shop: Graphite answered 401 to POST /events/', 'blog: Graphite answered 401 to POST /events/',
    ]);
    const unreadable = await runScript(200, 'not json');
    expect({ code: unreadable.code, posted: unreadable.posted.length }).toEqual({ code: 3, posted: 0 });
    expect(unreadable.outcome.problems[0]).toMatch(/cannot read Graphite's credentials secret/);
  });
});
