import { FakeKubernetes } from './fake-kubernetes';

// The fake server is shared with the chart and e2e work: its protocol details are pinned here.
describe('FakeKubernetes (raw HTTP)', () => {
  let kube: FakeKubernetes;
  beforeEach(async () => {
    kube = await FakeKubernetes.start();
    kube.putDeployment({ namespace: 'ns', name: 'app', replicas: 2, annotations: { a: 'b' } });
  });
  afterEach(() => kube.close());

  const scaleUrl = () => `${kube.url}/apis/apps/v1/namespaces/ns/deployments/app/scale`;
  const send = (method: string, url: string, contentType: string, body: unknown) =>
    fetch(url, { method, headers: { 'content-type': contentType }, body: JSON.stringify(body) });

  test('lists Deployments per namespace and across namespaces, with a list resourceVersion', async () => {
    kube.putDeployment({ namespace: 'other', name: 'x' });
    const one = (await (await fetch(`${kube.url}/apis/apps/v1/namespaces/ns/deployments`)).json()) as {
      items: unknown[];
      metadata: { resourceVersion: string };
    };
    expect(one.items).toHaveLength(1);
    expect(Number(one.metadata.resourceVersion)).toBeGreaterThan(0);
    const all = (await (await fetch(`${kube.url}/apis/apps/v1/deployments`)).json()) as { items: unknown[] };
    expect(all.items).toHaveLength(2);
  });

  test('json-patch on /scale, with a failing test op refused as 422', async () => {
    const ok = await send('PATCH', scaleUrl(), 'application/json-patch+json', [{ op: 'replace', path: '/spec/replicas', value: 4 }]);
    expect(ok.status).toBe(200);
    expect(kube.deployment('ns', 'app')?.spec.replicas).toBe(4);
    const refused = await send('PATCH', scaleUrl(), 'application/json-patch+json', [{ op: 'test', path: '/spec/replicas', value: 9 }]);
    expect(refused.status).toBe(422);
  });

  test('PUT with a stale resourceVersion is a 409 Conflict Status', async () => {
    const res = await send('PUT', scaleUrl(), 'application/json', { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(kube.deployment('ns', 'app')?.spec.replicas).toBe(2);
  });

  test('an unsupported patch type is 415, an unknown deployment 404, a negative count 422', async () => {
    expect((await send('PATCH', scaleUrl(), 'application/json', { spec: { replicas: 1 } })).status).toBe(415);
    expect((await fetch(`${kube.url}/apis/apps/v1/namespaces/ns/deployments/nope/scale`)).status).toBe(404);
    expect((await send('PATCH', scaleUrl(), 'application/merge-patch+json', { spec: { replicas: -1 } })).status).toBe(422);
  });

  test('watch streams events after the given resourceVersion, one JSON object per line', async () => {
    const from = kube.deployment('ns', 'app')!.metadata.resourceVersion;
    const controller = new AbortController();
    const res = await fetch(`${kube.url}/apis/apps/v1/namespaces/ns/deployments?watch=1&resourceVersion=${from}`, {
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    kube.putDeployment({ namespace: 'ns', name: 'app', replicas: 5 });
    kube.deleteDeployment('ns', 'app');
    const reader = res.body!.getReader();
    let text = '';
    while (text.split('\n').length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: { spec: { replicas: number } } });
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(events[0]?.object.spec.replicas).toBe(5);
  });
});
