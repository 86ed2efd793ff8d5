/**
 * For the constructors of the choice classes (InstanceSchedule, SitespeedImage, ...): they are made
 * by their static factories only. jsii gives every class a constructor in Python and the other
 * languages, and a class made there directly (or a subclass defined there) lacks the internal
 * methods the constructs call, failing later with "_apply is not a function". This fails at once
 * and names the factories instead. `created` is the constructor's `new.target`.
 */
export function factoryOnly(created: Function, base: Function, factories: string): void {
  if (created === base) {
    throw new Error(`${base.name} cannot be constructed or subclassed directly; use ${factories}.`);
  }
}
