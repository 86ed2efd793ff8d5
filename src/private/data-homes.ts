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
