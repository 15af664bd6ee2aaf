/** One edit `spillway new` asks for: the lines to add, and where. */
export interface DeployEdit {
  readonly file: string;
  readonly where: string;
  /** The lines, indented as they go in the file. */
  readonly lines: string;
}

/**
 * What deploying a new function takes, as the exact lines to add to skaffold.yaml and the umbrella
 * chart. Printed, not written: those files are hand-kept YAML with comments (and the chart's values
 * table in its README is generated from them), which an automatic edit would mangle.
 */
export function deployEdits(name: string): DeployEdit[] {
  const variable = name.replaceAll('-', '_');
  return [
    {
      file: 'skaffold.yaml',
      where: 'under build.artifacts',
      lines: [
        `    - image: spillway-${name}`,
        '      context: .',
        '      docker:',
        '        dockerfile: Dockerfile.template',
        '        buildArgs:',
        `          FUNCTION: ${name}`,
      ].join('\n'),
    },
    {
      file: 'skaffold.yaml',
      where: 'under deploy.helm.releases[0].setValueTemplates',
      // Skaffold's template names: IMAGE_REPO_, IMAGE_TAG_, IMAGE_DIGEST_ and the image name with '_' for '-'.
      lines: [
        ['repository', 'REPO'],
        ['tag', 'TAG'],
        ['digest', 'DIGEST'],
      ]
        .map(([field, template]) => `          ${name}.image.${field}: "{{.IMAGE_${template}_spillway_${variable}}}"`)
        .join('\n'),
    },
    {
      file: 'charts/spillway/Chart.yaml',
      where: 'under dependencies',
      lines: [
        '  - name: spillway-function',
        `    alias: ${name}`,
        '    version: 0.1.0',
        '    repository: file://../spillway-function',
        `    condition: ${name}.enabled`,
      ].join('\n'),
    },
    {
      file: 'charts/spillway/values.yaml',
      where: 'at the top level (then `helm dependency update charts/spillway`)',
      lines: [
        `## @section ${name}`,
        `${name}:`,
        `  ## @param ${name}.enabled Whether this is rendered`,
        '  enabled: true',
        `  ## @param ${name}.auth No authentication on the dev cluster, said explicitly (bearer with apiTokens.secretRef in production)`,
        '  auth: none',
      ].join('\n'),
    },
  ];
}

/** The edits as `spillway new` prints them. */
export function formatDeployEdits(edits: readonly DeployEdit[]): string {
  return edits.map((edit) => `${edit.file}, ${edit.where}:\n${edit.lines}\n`).join('\n');
}
