/**
 * The site's trend: Largest and First Contentful Paint and time to first byte of each run (a daily
 * median before the last 30 days) over the reports' retention, from its trend file
 * (src/contract/trends.ts), with deploys and regressions as vertical lines; a click on a run's
 * point opens its report. uPlot (MIT, no dependencies) draws it: it comes with the calendar's
 * script, which loads only when a site opens.
 */
import uPlot from 'uplot';
import { byId } from './shared';
import type { DeployMarker } from '../src/contract/deploy-markers';
import { TREND_METRICS, TrendFile, TrendRow } from '../src/contract/trends';

const LABELS: Record<string, string> = { largestContentfulPaint: 'LCP', firstContentfulPaint: 'FCP', ttfb: 'TTFB' };
const COLOURS = ['#1565c0', '#2e7d32', '#ef6c00'];
const MARK_COLOURS: Record<string, string> = { deploy: '#6a1b9a', regression: '#b71c1c', recovered: '#2e7d32', baseline: '#757575' };

/** A row's time in seconds: a run folder's UTC time, or noon of a day. */
function secondsOf(row: TrendRow): number {
  const k = row[0];
  return k.length === 10 ? Date.UTC(+k.slice(0, 4), +k.slice(5, 7) - 1, +k.slice(8, 10), 12) / 1000
    : Date.UTC(+k.slice(0, 4), +k.slice(5, 7) - 1, +k.slice(8, 10), +k.slice(11, 13), +k.slice(14, 16), +k.slice(17, 19)) / 1000;
}

let chart: uPlot | undefined;

/** Draws the trend of one URL of the file into #trend (hidden when the site has none). */
export function drawTrend(site: string, file: TrendFile | undefined, markers: DeployMarker[], cutoff: string | undefined): void {
  chart?.destroy();
  chart = undefined;
  const box = byId('trend-box');
  const rows = file ? [...file.days, ...file.runs].filter(r => cutoff === undefined || r[0] >= cutoff.slice(0, r[0].length)) : [];
  box.hidden = rows.length === 0;
  if (!file || rows.length === 0) return;
  const select = byId<HTMLSelectElement>('trend-url');
  select.replaceChildren(...file.urls.map((url, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: url })));
  select.hidden = file.urls.length < 2;
  const draw = () => {
    chart?.destroy();
    const url = Number(select.value || 0);
    const ofUrl = rows.filter(r => r[1] === url).sort((a, b) => secondsOf(a) - secondsOf(b));
    const data: uPlot.AlignedData = [ofUrl.map(secondsOf), ...TREND_METRICS.map((_, m) => ofUrl.map(r => r[2 + m] as number | null))];
    const marks = markers.map(m => ({ at: Date.parse(m.at) / 1000, colour: MARK_COLOURS[m.kind ?? 'deploy'] ?? MARK_COLOURS.deploy }));
    const target = byId('trend');
    chart = new uPlot({
      width: Math.max(280, Math.min(target.clientWidth || 700, 900)),
      height: 220,
      series: [{}, ...TREND_METRICS.map((metric, m) => ({ label: `${LABELS[metric]} (ms)`, stroke: COLOURS[m], width: 1.5, points: { size: 4 } }))],
      axes: [{}, { size: 50 }],
      hooks: {
        // Deploys and regressions: a vertical line at their time, in their kind's colour.
        draw: [u => {
          const ctx = u.ctx;
          for (const mark of marks) {
            const x = u.valToPos(mark.at, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.save();
            ctx.strokeStyle = mark.colour;
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          }
        }],
      },
    }, data, target);
    // A run's point opens its report (a day's median has no report of its own).
    chart.over.addEventListener('click', () => {
      const idx = chart?.cursor.idx;
      const row = idx === null || idx === undefined ? undefined : ofUrl[idx];
      if (row && row[0].length > 10) location.href = `${site}/${row[0]}/index.html`;
    });
  };
  select.onchange = draw;
  draw();
}
