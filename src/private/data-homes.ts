import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/*
 * One registry per app of who uses which place: a reports bucket, a Graphite namespace, a Cloud
 * Map name in a VPC, a Slack channel. Two of a thing in one place would mix data silently or fail
 * at deploy, even from different stacks, so constructs look each other up here.
 */
const places = new WeakMap<IConstruct, Map<string, IConstruct[]>>();

function usersOf(construct: IConstruct, kind: string, key: string): IConstruct[] {
  const root = construct.node.root;
  let byPlace = places.get(root);
  if (!byPlace) places.set(root, (byPlace = new Map()));
  const place = `${kind}\u0000${key}`;
  let users = byPlace.get(place);
  if (!users) byPlace.set(place, (users = []));
  return users;
}

/** Records that `construct` uses the place `key` of a kind, per app. */
export function usePlace(construct: IConstruct, kind: string, key: string): void {
  usersOf(construct, kind, key).push(construct);
}

/** The constructs that use the place `key` of a kind in the app, in the order they said so. */
export function usersOfPlace(construct: IConstruct, kind: string, key: string): IConstruct[] {
  return [...usersOf(construct, kind, key)];
}

/** A place's key: a plain name when there is one (two imports of one bucket are one place), else the construct's path. */
export function placeKey(name: string, construct: IConstruct): string {
  return Token.isUnresolved(name) ? `path:${construct.node.path}` : name;
}

/** Claims `slug` in the place named `home` (described as `where`) for `site`; throws if another site has it. */
export function claimSlug(site: IConstruct, home: string, where: string, slug: string): void {
  const owner = usersOfPlace(site, `slug in ${home}`, slug).find(user => user.node.path !== site.node.path);
  if (owner) {
    throw new Error(
      `slug '${slug}' of site ${site.node.path} is already used by site ${owner.node.path}, and both send to ${where}: ` +
      'their data would mix there. Give one of them another slug.',
    );
  }
  usePlace(site, `slug in ${home}`, slug);
}
