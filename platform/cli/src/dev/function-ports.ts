import { freePort } from './free-port';
import { isFree } from './port-check';

const LAST_PORT = 65_535;

/**
 * A port for each function in `names`. A function with a documented port (the shop's) keeps it; each
 * other, in name order, takes the first port from `from` upwards that is free and not `reserved` or
 * given out here, so the same functions on an idle machine get the same ports every run. `from` 0
 * leaves the choice to the OS (tests, or two dev runs side by side).
 */
export async function functionPorts(
  names: readonly string[],
  documented: ReadonlyMap<string, number>,
  from: number,
  reserved: readonly number[],
): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  for (const name of names) {
    const port = documented.get(name);
    if (port !== undefined) ports.set(name, port);
  }
  const taken = new Set([...reserved, ...documented.values()]);
  let next = from;
  for (const name of [...names].filter((n) => !ports.has(n)).sort()) {
    if (from === 0) {
      ports.set(name, await freePort());
      continue;
    }
    while (taken.has(next) || !(await isFree(next))) {
      next++;
      if (next > LAST_PORT) throw new Error(`no free port from ${from} up for ${name}; pass --ports-from <port> (0 picks free ones)`);
    }
    ports.set(name, next);
    taken.add(next);
  }
  return ports;
}
