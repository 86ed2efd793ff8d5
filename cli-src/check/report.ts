/** One line of the verdict: ✓ it holds, ✗ it does not (with what to do), – not checked (and why). */
export type Verdict = 'pass' | 'fail' | 'skip';

export interface Line {
  readonly step: string;
  readonly verdict: Verdict;
  readonly text: string;
  /** What to do about a ✗ (or how to get a – checked). */
  readonly fix?: string;
}

export const pass = (step: string, text: string): Line => ({ step, verdict: 'pass', text });
export const fail = (step: string, text: string, fix: string): Line => ({ step, verdict: 'fail', text, fix });
export const skip = (step: string, text: string, fix?: string): Line => ({ step, verdict: 'skip', text, fix });

const MARK: Record<Verdict, string> = { pass: '✓', fail: '✗', skip: '–' };

export function formatLine(line: Line): string {
  const head = `${MARK[line.verdict]} ${line.step}: ${line.text}`;
  return line.fix ? `${head}\n    → ${line.fix}` : head;
}

export function summary(lines: Line[]): string {
  const count = (v: Verdict) => lines.filter(l => l.verdict === v).length;
  const failed = count('fail');
  return `${failed ? '✗' : '✓'} ${count('pass')} passed, ${failed} failed, ${count('skip')} not checked`;
}

export function jsonReport(lines: Line[], started: Date, finished: Date): string {
  return JSON.stringify({
    ok: !lines.some(l => l.verdict === 'fail'),
    started: started.toISOString(),
    finished: finished.toISOString(),
    lines,
  }, null, 2);
}
