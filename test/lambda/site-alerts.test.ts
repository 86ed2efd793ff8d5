import { finished } from './fixtures/run-finished';
import { decide, SiteState } from '../../lambda-src/site-alerts/decide';
import { alertMessage } from '../../lambda-src/site-alerts/message';

const confirm = { confirm: true, remindAfter: 0, notStartedAfter: 2 };

describe('decide: alert on change, confirmed, never a flood', () => {
  test('a first failure asks for a confirmation run and alerts nobody', () => {
    expect(decide(undefined, finished('budget failed'), confirm).actions).toEqual([{ kind: 'rerun' }]);
  });

  test('the confirmation run fails too: failing, alerted once', () => {
    const { next, actions } = decide(undefined, finished('budget failed', { rerun: true }), confirm);
    expect(actions).toEqual([{ kind: 'alert', alert: 'failing' }]);
    expect(next).toMatchObject({ state: 'failing', failures: 1, since: '2026-11-28T05:03:40.000Z', reminded: false });
  });

  test('the confirmation run passes: a flake, nobody alerted, still ok', () => {
    expect(decide(undefined, finished('ok', { rerun: true }), confirm)).toMatchObject({ next: { state: 'ok' }, actions: [] });
  });

  test('a site already failing: counted, no re-run, no message', () => {
    const failing: SiteState = { site: 'docs', state: 'failing', failures: 3, since: 'x', reminded: false };
    expect(decide(failing, finished('failed'), confirm)).toMatchObject({ next: { failures: 4 }, actions: [] });
  });

  test('recovery: one message; the next ok run none', () => {
    const failing: SiteState = { site: 'docs', state: 'failing', failures: 3, since: 'x', reminded: false };
    const recovered = decide(failing, finished('ok'), confirm);
    expect(recovered.actions).toEqual([{ kind: 'alert', alert: 'recovered' }]);
    expect(decide(recovered.next, finished('ok'), confirm).actions).toEqual([]);
  });

  test('remindAfter 3: one reminder at the third failure in a row, none after', () => {
    const options = { confirm: false, remindAfter: 3, notStartedAfter: 2 };
    let state: SiteState | undefined;
    const alerts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = decide(state, finished('failed'), options);
      alerts.push(...d.actions.map(a => (a.kind === 'alert' ? a.alert : a.kind)));
      state = d.next;
    }
    expect(alerts).toEqual(['failing', 'still failing']);
    expect(state).toMatchObject({ failures: 6, reminded: true });
  });

  test('a site alerted as stale that finishes a run: "running again", then its outcome as usual', () => {
    const stale: SiteState = { site: 'docs', state: 'ok', failures: 0, reminded: false, stale: true, lastFinishedAt: 'x' };
    expect(decide(stale, finished('ok'), confirm)).toMatchObject({ next: { stale: false }, actions: [{ kind: 'alert', alert: 'running again' }] });
    expect(decide(stale, finished('failed'), confirm).actions).toEqual([{ kind: 'alert', alert: 'running again' }, { kind: 'rerun' }]);
  });

  test('confirmation off: the first failure alerts', () => {
    expect(decide(undefined, finished('no report'), { confirm: false, remindAfter: 0, notStartedAfter: 2 }).actions).toEqual([{ kind: 'alert', alert: 'failing' }]);
  });
});

describe('alert messages', () => {
  test('failing: the site, what happened, each failing check with value and limit, the report and the calendar; no raw JSON', () => {
    const run = finished('budget failed', { rerun: true });
    const message = alertMessage('failing', run, decide(undefined, run, confirm).next);
    expect(message.subject).toBe('[cdk-sitespeed] docs is failing: budget failed');
    expect(message.text).toBe([
      'docs started failing at 2026-11-28 05:03 UTC on prod-Sitespeed-SitespeedClusterBD33854B-Xy12Ab34Cd56, confirmed by a second run.',
      '',
      'What happened: its performance budget failed (exit code 1): Essential container in task exited.',
      'Failing budget checks:',
      '  - home: Total Requests is 42, at most 30 allowed',
      'Report: https://d111111abcdef8.cloudfront.net/docs/2026-11-28-05-00-06/index.html',
      'Calendar: https://d111111abcdef8.cloudfront.net',
      '',
      'You get one message when it recovers.',
    ].join('\n'));
    expect(message.text).not.toMatch(/[{}]/);
    expect(message.chatbot).toEqual({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: ':rotating_light: docs is failing: budget failed', description: expect.stringContaining('• home: Total Requests is 42, at most 30 allowed') },
    });
  });

  test('recovered: when, since when, the links', () => {
    const state: SiteState = { site: 'docs', state: 'failing', failures: 4, since: '2026-11-27T09:03:40.000Z', reminded: false };
    const message = alertMessage('recovered', finished('ok'), state);
    expect(message.subject).toBe('[cdk-sitespeed] docs recovered');
    expect(message.text).toBe([
      'docs passed again at 2026-11-28 05:03 UTC on prod-Sitespeed-SitespeedClusterBD33854B-Xy12Ab34Cd56, after failing since 2026-11-27 09:03 UTC.',
      'Report: https://d111111abcdef8.cloudfront.net/docs/2026-11-28-05-00-06/index.html',
      'Calendar: https://d111111abcdef8.cloudfront.net',
    ].join('\n'));
  });

  test('a run without a report: no links it does not have; at most ten checks listed', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ page: `p${i}`, metric: 'Total Requests', type: 'requests', value: 9, limit: 1 }));
    const text = alertMessage('failing', finished('no report', { failedBudgetChecks: many }), { site: 'docs', state: 'failing', failures: 1, reminded: false }).text;
    expect(text).not.toMatch(/Report:/);
    expect(text).toContain('  - and 2 more in the report');
    expect(text.match(/^ {2}- p\d+:/gm)).toHaveLength(10);
  });
});

test('a budget with more failing checks than the event carries: ten listed, the rest counted from the total', () => {
  const checks = Array.from({ length: 50 }, (_, i) => ({ page: 'home', metric: `m${i}`, type: 't', value: 2, limit: 1 }));
  const message = alertMessage('failing', finished('budget failed', { failedBudgetChecks: checks, failedBudgetCheckCount: 1200 }), { site: 'docs', state: 'failing', failures: 1, reminded: false });
  expect(message.text).toContain('  - and 1190 more in the report');
});

describe('runs that never start (no capacity): their own status, alerted after two in a row, never a confirmation run', () => {
  test('the first is counted quietly, the second alerts once, the third says nothing more; none asks for a re-run', () => {
    const first = decide(undefined, finished('not started'), confirm);
    expect(first.actions).toEqual([]);
    expect(first.next).toMatchObject({ state: 'ok', notStarted: 1 });
    const second = decide(first.next, finished('not started'), confirm);
    expect(second.actions).toEqual([{ kind: 'alert', alert: 'not starting' }]);
    const third = decide(second.next, finished('not started'), confirm);
    expect(third).toMatchObject({ next: { notStarted: 3, notStartedAlerted: true }, actions: [] });
  });

  test('before: a run stopped in PROVISIONING was "no report", asked for a confirmation run, which waited for the same capacity, and the site stayed "ok"', () => {
    const asBefore = finished('no report', { reason: finished('not started').reason });
    expect(decide(undefined, asBefore, confirm).actions).toEqual([{ kind: 'rerun' }]);
    expect(decide(undefined, finished('not started'), confirm).actions).not.toContainEqual({ kind: 'rerun' });
  });

  test('it is not a finished run: the stale clock (lastFinishedAt) and the last run stay as they were', () => {
    const ran: SiteState = { site: 'docs', state: 'ok', failures: 0, reminded: false, lastRun: 'r1', lastStatus: 'ok', lastFinishedAt: '2026-11-28T01:00:00.000Z' };
    const { next } = decide(ran, finished('not started'), confirm);
    expect(next).toMatchObject({ lastRun: 'r1', lastStatus: 'ok', lastFinishedAt: '2026-11-28T01:00:00.000Z' });
  });

  test('a run that starts after an alert says so once and clears the count; a failing site keeps failing meanwhile', () => {
    const alerted: SiteState = { site: 'docs', state: 'failing', failures: 2, since: 'x', reminded: false, notStarted: 3, notStartedAlerted: true };
    const again = decide(alerted, finished('ok'), confirm);
    expect(again.actions).toEqual([{ kind: 'alert', alert: 'starting again' }, { kind: 'alert', alert: 'recovered' }]);
    expect(again.next.notStarted).toBeUndefined();
    expect(decide(alerted, finished('not started'), confirm).next).toMatchObject({ state: 'failing', failures: 2 });
  });

  test('a run held back by the cluster\'s hardStop schedule is expected: nothing counted, nothing alerted', () => {
    const held = finished('not started', { heldByHardStop: true });
    const once = decide(undefined, held, confirm);
    const twice = decide(once.next, held, confirm);
    expect(twice.actions).toEqual([]);
    expect(twice.next.notStarted).toBeUndefined();
  });

  test('notStartedAfter 0 never alerts; 1 alerts the first', () => {
    expect(decide(undefined, finished('not started'), { ...confirm, notStartedAfter: 0 }).actions).toEqual([]);
    expect(decide(undefined, finished('not started'), { ...confirm, notStartedAfter: 1 }).actions).toEqual([{ kind: 'alert', alert: 'not starting' }]);
  });

  test('the message names the count, ECS\'s stop code, the reason and where to look', () => {
    const run = finished('not started');
    const message = alertMessage('not starting', run, { site: 'docs', state: 'ok', failures: 0, reminded: false, notStarted: 2 });
    expect(message.subject).toBe('[cdk-sitespeed] docs: 2 runs in a row never started');
    expect(message.text).toContain('(ECS stop code UserInitiated)');
    expect(message.text).toContain('What happened: the run never started: cdk-sitespeed: waited over 30 min in PROVISIONING');
    expect(message.text).toContain('npx cdk-sitespeed check');
  });
});
