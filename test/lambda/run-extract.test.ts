import { harOf } from './fixtures/har';
import { summariseHar } from '../../lambda-src/report-index/har-summary';
import { median } from '../../src/contract/median';
import { EXTRACT_METRIC_NAMES, setupKeyOf } from '../../src/contract/run-extracts';

describe('a HAR as sitespeed.io stores it, to what an extract keeps', () => {
  test('each metric is the median of the URL\'s iterations, from the fields browsertime writes', () => {
    const har = harOf('https://shop.example.com/', [
      { ttfb: 100, fcp: 300, lcp: 800, tbt: 50, cls: 0.01, speedIndex: 900, entries: [[0, 100, 1000], [50, 400, 2000]] },
      { ttfb: 140, fcp: 340, lcp: 900, tbt: 0, cls: 0.03, speedIndex: 1100, entries: [[0, 100, 1000], [50, 700, 2000], [60, 10, 500]] },
      { ttfb: 120, fcp: 320, lcp: 1500, tbt: 10, cls: 0.02, speedIndex: 1000, entries: [[0, 100, 1000], [50, 500, 2000]] },
    ]);
    const { pages, setup } = summariseHar(har);
    expect(pages).toEqual([{
      url: 'https://shop.example.com/',
      iterations: 3,
      medians: {
        ttfb: 120,
        firstContentfulPaint: 320,
        largestContentfulPaint: 900,
        totalBlockingTime: 10,
        cumulativeLayoutShift: 0.02,
        speedIndex: 1000,
        firstVisualChange: 900,
        lastVisualChange: 1300,
        // browsertime's getFullyLoaded: the latest start + time after the page started (450, 750, 550)
        fullyLoaded: 550,
        // pagexray: the sum of the page's response.bodySize (3000, 3500, 3000); requests: its entries (2, 3, 2)
        transferSize: 3000,
        requests: 2,
      },
    }]);
    expect(setup).toEqual({ browser: 'Chrome', browserVersion: '131.0.6778.85', harCreator: 'chrome-har 1.3.1', connectivity: 'native', iterations: 3, urls: ['https://shop.example.com/'] });
  });

  test('without _googleWebVitals (Firefox before it had them), paint times come from pageTimings; absent metrics stay absent', () => {
    const { pages } = summariseHar(harOf('https://a.example/', [{ fcp: 200, lcp: 500 }, { fcp: 220, lcp: 700 }], { googleWebVitals: false }));
    expect(pages[0].medians).toEqual({ firstContentfulPaint: 210, largestContentfulPaint: 600, fullyLoaded: 210, transferSize: 55_000, requests: 2 });
    expect(Object.keys(pages[0].medians).every(m => (EXTRACT_METRIC_NAMES as string[]).includes(m))).toBe(true);
  });

  test('a HAR of several URLs (a scripted run) gives one page per URL', () => {
    const a = harOf('https://a.example/', [{ lcp: 100 }, { lcp: 300 }]);
    const b = harOf('https://b.example/', [{ lcp: 1000 }]);
    const both = { log: { ...a.log, pages: [...a.log.pages, ...b.log.pages.map((p: any) => ({ ...p, id: 'page_9' }))], entries: a.log.entries } };
    const { pages, setup } = summariseHar(both);
    expect(pages.map(p => [p.url, p.iterations, p.medians.largestContentfulPaint])).toEqual([['https://a.example/', 2, 200], ['https://b.example/', 1, 1000]]);
    expect(setup.urls).toEqual(['https://a.example/', 'https://b.example/']);
    expect(setup.iterations).toBe(2);
  });

  test('what is not a HAR is an error saying what it lacks', () => {
    expect(() => summariseHar({ foo: 1 })).toThrow('not a HAR: no log.pages');
    expect(() => summariseHar({ log: { pages: [] } })).toThrow('a HAR without pages');
    expect(() => summariseHar(null)).toThrow('not a HAR');
  });

  test('the median of an even count is the mean of the middle two; a setup key changes with the browser version', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    const one = summariseHar(harOf('https://a.example/', [{}])).setup;
    const other = summariseHar(harOf('https://a.example/', [{}], { browserVersion: '132.0.1' })).setup;
    expect(setupKeyOf(one)).toBe(setupKeyOf({ ...one }));
    expect(setupKeyOf(one)).not.toBe(setupKeyOf(other));
  });
});
