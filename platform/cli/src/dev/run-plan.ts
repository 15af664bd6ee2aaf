import { join } from 'node:path';
import type { DevOptions } from './dev-options';
import type { DevFunction } from './function-folders';
import type { LocalFunction } from './local-functions';
import { devScaling } from './scaling-plan';

// The shop's projector keeps the folder earlier runs (and the README) use; any other read model gets its own,
// beside it in the data folder, since one PGlite process owns a folder (and PGlite makes the folder, not its parents).
const SHOP_READ_MODEL = 'order-projector';

/** Where a function's read model keeps its data, and the environment that tells the function so. */
function readModelPlace(options: DevOptions, name: string): { readonly where: string; readonly env: Record<string, string> } {
  if (options.databaseUrl) {
    return { where: `PostgreSQL ${options.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`, env: { DATABASE_URL: options.databaseUrl } };
  }
  const folder = name === SHOP_READ_MODEL ? join(options.dataDir, 'read-model') : join(options.dataDir, `read-model-${name}`);
  return { where: folder, env: { DATABASE_URL: '', PGLITE_DATA_DIR: folder } };
}

/**
 * How dev runs each function found: the shop's in the README's order first, then the others by name; a
 * function with a read model gets PostgreSQL or its own PGlite folder; one with a subscription is scaled
 * by its lag (unless --no-autoscale), within what its definition allows; the others run as one process.
 */
export function runPlan(found: readonly DevFunction[], options: DevOptions, ports: ReadonlyMap<string, number>): LocalFunction[] {
  const shop = [...options.documentedPorts.keys()];
  const rank = (fn: DevFunction) => (shop.includes(fn.name) ? shop.indexOf(fn.name) : shop.length);
  const ordered = [...found].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return ordered.map((fn) => {
    const { subscription, readModel } = fn.definition;
    const place = readModel ? readModelPlace(options, fn.name) : undefined;
    const scaling =
      subscription && options.scaling
        ? devScaling(options.scaling, { readModel: readModel !== undefined, maxSubscriberCount: subscription.settings?.maxSubscriberCount })
        : undefined;
    return {
      name: fn.name,
      folder: fn.folder,
      port: ports.get(fn.name) ?? 0,
      env: place?.env ?? {},
      ...(place ? { readModel: place.where } : {}),
      ...(subscription ? { subscription: { source: subscription.source, group: subscription.group } } : {}),
      ...(scaling ? { scaling } : {}),
    };
  });
}

/** The banner's read-model line: where each read model keeps its data; empty when none is declared. */
export function describeReadModels(functions: readonly LocalFunction[], databaseUrl: string): string {
  const places = functions.flatMap((fn) => (fn.readModel === undefined ? [] : [{ name: fn.name, where: fn.readModel }]));
  if (places.length === 0) return '';
  // One database holds them all, each in its own schemas.
  if (databaseUrl) return places[0]!.where;
  if (places.length === 1) return `PGlite in ${places[0]!.where}`;
  return `PGlite in ${places.map((p) => `${p.where} (${p.name})`).join(', ')}`;
}
