/*
 * Reading a run's verdict back from its site's regression file (`.cdk-sitespeed/regressions/<site>.json`,
 * written by lambda-src/regression/series.ts): `cdk-sitespeed run` and `check` both wait for it.
 * No imports: the CLI bundles this file.
 */

/** A verdict as the regression file keeps it (series.ts VerdictEntry). */
export interface StoredVerdict {
  readonly run: string;
  readonly kind: string;
  readonly since?: string;
  readonly findings?: any[];
  /** Reported changes (RegressionChange of run-events.ts): page weight, requests, CLS, TBT past their thresholds. */
  readonly alsoChanged?: any[];
  /** The deploy marker it was judged at (the runs since it against the runs before it), or that accepted a regression. */
  readonly marker?: { readonly id: string; readonly message: string };
  /** Judged but not kept (ok, warming up or not comparable, and not the latest): no verdict of its own to show. */
  readonly notKept?: boolean;
}

/**
 * The run's verdict once the file has judged it (its newest decided run is this one or later, or
 * the run is among its runs), else undefined. A judged run absent from the latest and the notable
 * verdicts was ok, warming up or not comparable, of which only the latest is kept: reported as ok.
 */
export function verdictOfRun(file: any, run: string): StoredVerdict | undefined {
  const judged = file && ((typeof file.decidedThrough === 'string' && file.decidedThrough >= run) || file.runs?.some((r: any) => r?.run === run));
  if (!judged) return undefined;
  return (file.latest?.run === run ? file.latest : (file.verdicts ?? []).find((v: any) => v?.run === run)) ?? { run, kind: 'ok', notKept: true };
}
