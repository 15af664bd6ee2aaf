import { KubeConfig } from '@kubernetes/client-node';

/** In-cluster service-account config when running in a pod, else `KUBECONFIG` or `~/.kube/config` (the client reads them). */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** A config for a plain-HTTP API server with no credentials: how tests reach the fake API server. */
export function kubeConfigForServer(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'local' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local' }],
    currentContext: 'local',
  });
  return kc;
}
