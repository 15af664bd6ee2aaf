import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_ROUTES_FILE, declaredRoutes, helmValues } from './routes';

const FUNCTIONS = join(__dirname, '..', '..', '..', '..', 'functions');

describe('spillway routes', () => {
  test('the charts’ routes.yaml is what the functions declare now (run `spillway routes --format helm-values --out charts/spillway-function/routes.yaml` when not)', () => {
    expect(readFileSync(CHART_ROUTES_FILE, 'utf8')).toBe(helmValues(declaredRoutes(FUNCTIONS)));
  });

  test("every shop function's routes, as OpenAPI path templates, leaving out the contracts folder", () => {
    expect(declaredRoutes(FUNCTIONS).map((r) => `${r.fn} ${r.method} ${r.path}`)).toEqual([
      'order-create POST /orders',
      'order-create POST /orders/{id}/cancel',
      'order-projector GET /orders/{id}',
      'order-projector GET /orders',
      'order-projector GET /inventory/{sku}',
      'stock-reservation POST /inventory/{sku}/restock',
    ]);
  });

  test('two functions declaring the same method and path is an error naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-routes-'));
    try {
      const runtime = require.resolve('@spillway/runtime');
      for (const name of ['one', 'two']) {
        mkdirSync(join(dir, name));
        writeFileSync(
          join(dir, name, 'index.js'),
          `const { defineFunction } = require(${JSON.stringify(runtime)});
module.exports = defineFunction({ name: '${name}', routes: [{ method: 'GET', path: '/things/:id', handle: async () => ({ status: 200 }) }] });\n`,
        );
      }
      expect(() => declaredRoutes(dir)).toThrow('GET /things/{id} is declared by both one and two');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
