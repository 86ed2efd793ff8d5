/**
 * Error messages in the caller's spelling: a Python app calls `urls_file`, not `urlsFile`. The jsii
 * Python package starts the kernel that runs this library with JSII_AGENT=Python/<version> in its
 * environment (jsii/_kernel/providers/process.py), so a message for a Python caller names the
 * library's props and methods (CAMEL_CASE_MEMBERS) in snake_case, as the Python API spells them;
 * every other caller gets the TypeScript names.
 */
import { Annotations } from 'aws-cdk-lib';
import { IConstruct, IValidation } from 'constructs';
import { CAMEL_CASE_MEMBERS } from './python-names';

const snake = (name: string) => name.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);

let pattern: RegExp | undefined;
/**
 * A name of the library as a word of its own, or a member of a class (`InstanceSchedule.onOff`):
 * not inside a URL, an option (`--browsertime.xY`) or a longer word.
 */
function names(): RegExp {
  const alternatives = [...CAMEL_CASE_MEMBERS].sort((a, b) => b.length - a.length).join('|');
  pattern ??= new RegExp(`(?:(?<=\\b[A-Z]\\w*\\.)|(?<![\\w./-]))(${alternatives})(?![\\w-])`, 'g');
  return pattern;
}

export function pythonCaller(): boolean {
  return /^python\b/i.test(process.env.JSII_AGENT ?? '');
}

/** The message as the caller spells the library's names. */
export function callerSpelling(message: string): string {
  return pythonCaller() ? message.replace(names(), snake) : message;
}

/** The error, its message in the caller's spelling (the same error object, so its type and stack stay). */
export function forCaller(error: unknown): unknown {
  if (error instanceof Error) error.message = callerSpelling(error.message);
  return error;
}

/** Runs `body`; an error it throws reaches the caller in the caller's spelling. */
export function spelledForCaller<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw forCaller(error);
  }
}

/** A synth-time warning in the caller's spelling. */
export function warn(scope: IConstruct, id: string, message: string): void {
  Annotations.of(scope).addWarningV2(id, callerSpelling(message));
}

/** A validation whose messages are in the caller's spelling. */
export function spelledValidation(validation: IValidation): IValidation {
  return { validate: () => validation.validate().map(callerSpelling) };
}
