import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deployEdits } from './deploy-lines';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const read = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8'));

/** An edit's lines as the YAML they are in the file (its own indentation removed). */
function parsed(index: number): unknown {
  const { lines } = deployEdits('gift-cards')[index]!;
  const indent = Math.min(
    ...lines
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .map((l) => l.search(/\S/)),
  );
  return parse(
    lines
      .split('\n')
      .map((l) => l.slice(indent))
      .join('\n'),
  );
}

/** The shop's own entry for order-create, renamed: what a new function's entry must look like. */
function renamed(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replaceAll('order-create', 'gift-cards').replaceAll('order_create', 'gift_cards'));
}

describe('the deploy lines spillway new prints', () => {
  test('the skaffold artifact is shaped as the shop functions are', () => {
    const artifacts = read('skaffold.yaml').build.artifacts as { image: string }[];
    expect(parsed(0)).toEqual([renamed(artifacts.find((a) => a.image === 'spillway-order-create'))]);
  });

  test("the skaffold value templates set the image as the shop functions' do", () => {
    const templates = read('skaffold.yaml').deploy.helm.releases[0].setValueTemplates as Record<string, string>;
    const mine = Object.fromEntries(Object.entries(templates).filter(([key]) => key.startsWith('order-create.')));
    expect(Object.keys(mine)).toHaveLength(3);
    expect(parsed(1)).toEqual(renamed(mine));
  });

  test('the umbrella chart dependency is shaped as the shop functions are', () => {
    const dependencies = read('charts/spillway/Chart.yaml').dependencies as { alias: string }[];
    expect(parsed(2)).toEqual([renamed(dependencies.find((d) => d.alias === 'order-create'))]);
  });

  test('the values turn it on with the same explicit auth choice as the shop', () => {
    const values = read('charts/spillway/values.yaml') as Record<string, { enabled: boolean; auth: string }>;
    expect(parsed(3)).toEqual({ 'gift-cards': { enabled: values['order-create']!.enabled, auth: values['order-create']!.auth } });
  });
});
