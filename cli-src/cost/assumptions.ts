/**
 * What the cost model cannot read from a template: how long a run takes and what it leaves. Every
 * figure is printed with the report, and each has a command-line option to put your own in.
 */
export interface Assumptions {
  /**
   * One iteration of one page. Measured here (test/e2e/sitespeed-run.e2e.ts writes its figures to
   * test-artifacts/e2e-run-figures.json): the real sitespeed.io 39.2.0 tested two two-request pages
   * on 127.0.0.1 once each, screenshots off and no video, in 25.7 s from start to upload, 45
   * objects and 616 kB of report. A real page over a throttled connection, with the image's
   * video and visual metrics, takes longer: 30 s is assumed. Your runs' RunDuration metric divided
   * by pages × iterations is the figure to use.
   */
  readonly secondsPerIteration: number;
  /** Container start, config sync, report upload: per run, besides the iterations. */
  readonly runOverheadSeconds: number;
  /**
   * A run that finds no warm instance waits for one: boot, the ECS agent joining, and the
   * sitespeed.io image pull (about 1.5 GB compressed) on a fresh disk.
   */
  readonly coldStartMinutes: number;
  /**
   * How long a scaled-out instance stays after its last task: ECS managed scaling scales in
   * after 15 minutes below its target (ECS developer guide, "Amazon ECS capacity provider auto scaling").
   */
  readonly scaleInMinutes: number;
  /** Pages of a site whose URLs come from a file or a script (the template cannot say). */
  readonly pagesPerFile: number;
  /**
   * Report size per page and iteration (HTML, screenshots, the video and its filmstrip): the e2e's
   * 308 kB without screenshots or video is a floor.
   */
  readonly reportMbPerPageIteration: number;
  /** S3 objects a report writes per page and iteration, and per run besides (the e2e: 45 for two page iterations without video). */
  readonly reportObjectsPerPageIteration: number;
  readonly reportObjectsPerRun: number;
  /** Rejected traffic a public VPC's flow log ingests a month (internet scanners). */
  readonly flowLogGbMonth: number;
  /** Whisper data per tested page at sitespeed.io's retention (GraphiteGrafana's volumeSizeGiB doc). */
  readonly whisperMbPerPage: number;
  /** Lambda invocations per run (runTask, the run outcome, the report index, the alerts) and their average GB-seconds. */
  readonly lambdaInvocationsPerRun: number;
  readonly lambdaGbSecondsPerInvocation: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  secondsPerIteration: 30,
  runOverheadSeconds: 60,
  coldStartMinutes: 5,
  scaleInMinutes: 15,
  pagesPerFile: 1,
  reportMbPerPageIteration: 2,
  reportObjectsPerPageIteration: 25,
  reportObjectsPerRun: 15,
  flowLogGbMonth: 1,
  whisperMbPerPage: 25,
  lambdaInvocationsPerRun: 4,
  lambdaGbSecondsPerInvocation: 0.5,
};

/** One line per assumption, for the report. */
export function describeAssumptions(a: Assumptions): string[] {
  return [
    `${a.secondsPerIteration} s per page iteration + ${a.runOverheadSeconds} s per run (--seconds-per-iteration, --run-overhead-seconds)`,
    `a run without a warm instance: ${a.coldStartMinutes} min to start one (--cold-start-minutes), ${a.scaleInMinutes} min idle before it goes`,
    `${a.pagesPerFile} page(s) for a site testing a URL file or a script (--pages-per-file)`,
    `reports: ${a.reportMbPerPageIteration} MB and ${a.reportObjectsPerPageIteration} objects per page iteration, ${a.reportObjectsPerRun} objects per run`,
    `flow log: ${a.flowLogGbMonth} GB of rejected traffic a month; Graphite: ${a.whisperMbPerPage} MB of whisper per page`,
  ];
}
