import { IConstruct } from 'constructs';

/**
 * Where a site's data lands (a reports bucket, a Graphite namespace), and which site claimed each
 * slug there, per app: two sites with one slug in one place would mix their reports or series
 * silently, even from different clusters.
 */
const homes = new WeakMap<IConstruct, Map<string, Map<string, string>>>();

/** Claims `slug` in the place named `home` (described as `where`) for `site`; throws if another site has it. */
export function claimSlug(site: IConstruct, home: string, where: string, slug: string): void {
  const root = site.node.root;
  let byHome = homes.get(root);
  if (!byHome) homes.set(root, (byHome = new Map()));
  let slugs = byHome.get(home);
  if (!slugs) byHome.set(home, (slugs = new Map()));
  const owner = slugs.get(slug);
  if (owner !== undefined && owner !== site.node.path) {
    throw new Error(
      `slug '${slug}' of site ${site.node.path} is already used by site ${owner}, and both send to ${where}: ` +
      'their data would mix there. Give one of them another slug.',
    );
  }
  slugs.set(slug, site.node.path);
}

const places = new WeakMap<IConstruct, Map<string, Map<string, string[]>>>();

/** Records that `construct` uses the place `key` of a kind (a reports bucket, a Cloud Map name in a VPC), per app. */
export function usePlace(construct: IConstruct, kind: string, key: string): void {
  const root = construct.node.root;
  let byKind = places.get(root);
  if (!byKind) places.set(root, (byKind = new Map()));
  let users = byKind.get(kind);
  if (!users) byKind.set(kind, (users = new Map()));
  users.set(key, [...(users.get(key) ?? []), construct.node.path]);
}

/** The constructs that use the place `key` of a kind in the app, in the order they said so. */
export function usersOfPlace(construct: IConstruct, kind: string, key: string): string[] {
  return places.get(construct.node.root)?.get(kind)?.get(key) ?? [];
}

/** A place's key: a plain name when there is one (two imports of one bucket are one place), else the construct's path. */
export function placeKey(name: string, construct: IConstruct, isToken: (value: unknown) => boolean): string {
  return isToken(name) ? `path:${construct.node.path}` : name;
}
