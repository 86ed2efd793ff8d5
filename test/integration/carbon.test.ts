/**
 * The carbon configuration GraphiteGrafana writes, run by a real carbon-cache on 127.0.0.1: new
 * metrics are all created at once (MAX_CREATES_PER_MINUTE), and each kind of sitespeed.io key
 * gets its retention. (The e2e test does the same with the keys a real sitespeed.io run sends.)
 */
import { Carbon, startCarbon } from '../harness/carbon';

let carbon: Carbon;
beforeAll(async () => { carbon = await startCarbon(); }, 60_000);
afterAll(() => carbon?.stop());

test('carbon creates the whisper files of 300 new pages at once, each kind of key with sitespeed.io\'s retention', async () => {
  const now = Math.floor(Date.now() / 1000);
  const summaries = Array.from({ length: 300 }, (_, i) => `sitespeed_io.prod.shop.pageSummary.shop_example_com.page${i}.firstPaint`);
  const run = 'sitespeed_io.prod.shop.run.shop_example_com.start.firstPaint';
  const crux = 'sitespeed_io.crux.shop.shop_example_com.largestContentfulPaint';
  await carbon.send([...summaries, run, crux].map(key => `${key} 1234 ${now}`));

  // Carbon's default (50 a minute) would leave 250 of them uncreated for five minutes.
  const files = await carbon.waitForFiles(302);
  expect(files).toHaveLength(302);

  expect(carbon.archives(run)).toEqual([[10, 8 * 86400]]);
  expect(carbon.archives(summaries[0])).toEqual([[3600, 65 * 86400]]);
  expect(carbon.archives(crux)).toEqual([[86400, 2 * 365 * 86400]]);
  // sitespeed.io's aggregation (mounted on the upstream image, whose catch-all is 0.3): an hour
  // holding one run's point is kept, and a .max key aggregates by max.
  expect(carbon.aggregation(summaries[0])).toEqual({ xFilesFactor: 0, aggregationMethod: 'average' });
  await carbon.send([`sitespeed_io.prod.shop.pageSummary.shop_example_com.page0.firstPaint.max 1 ${now}`]);
  await carbon.waitForFiles(303);
  expect(carbon.aggregation('sitespeed_io.prod.shop.pageSummary.shop_example_com.page0.firstPaint.max'))
    .toEqual({ xFilesFactor: expect.closeTo(0.1, 5), aggregationMethod: 'max' });
  // Tags off: carbon would otherwise call graphite-web for every new metric.
  expect(carbon.log()).not.toContain('[tagdb]');
}, 120_000);
