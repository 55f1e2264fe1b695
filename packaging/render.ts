import { stringify } from 'yaml';
import type { ManifestFile, ValueSource } from './manifests.js';
import type { Values } from './values.js';

const at = (values: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values);

const isEmpty = (value: unknown) =>
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && Object.keys(value).length === 0);

/** Values read from a concrete values object (the defaults, for `deploy/`). */
export function concreteSource(values: Values, appVersion: string, namespace: string): ValueSource {
  return {
    value: <T>(path: string) => at(values, path) as T,
    text: (path) => String(at(values, path)),
    // Empty maps and lists are left out, as the chart's `with` blocks leave them out.
    block: (path) => (isEmpty(at(values, path)) ? undefined : at(values, path)),
    joined: (paths) => {
      const list = paths.flatMap((path) => at(values, path) as unknown[]);
      return list.length ? list : undefined;
    },
    withLabels: (base, path) => ({ ...base, ...(at(values, path) as Record<string, string>) }),
    namespace,
    instance: 'nextcloud-mcp-operator',
    image: `${values.image.repository}:${values.image.tag ?? appVersion}`,
  };
}

// Markers that survive YAML serialisation and become template actions afterwards.
const OPEN = '\u00ab';
const CLOSE = '\u00bb';

/** Helm expressions in place of values (for the chart's templates). */
export function helmSource(): ValueSource {
  return {
    value: <T>(path: string) => `${OPEN}.Values.${path}${CLOSE}` as T,
    text: (path) => `${OPEN}.Values.${path} | quote${CLOSE}`,
    block: (path) => `${OPEN}block:.Values.${path}${CLOSE}`,
    joined: (paths) => `${OPEN}block:concat ${paths.map((path) => `.Values.${path}`).join(' ')}${CLOSE}`,
    withLabels: (base, path) => ({ ...base, [`${OPEN}with:.Values.${path}${CLOSE}`]: '' }),
    namespace: `${OPEN}.Release.Namespace${CLOSE}`,
    instance: `${OPEN}.Release.Name${CLOSE}`,
    image: `${OPEN}.Values.image.repository${CLOSE}:${OPEN}.Values.image.tag | default .Chart.AppVersion${CLOSE}`,
  };
}

const yaml = (objects: readonly object[]) =>
  objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

/** Literal braces (Prometheus' `{{ $labels.x }}`) printed as themselves by Helm. */
const escapeBraces = (text: string) =>
  text
    .replace(/\{\{|\}\}/g, (braces) => (braces === '{{' ? '\u0000open' : '\u0000close'))
    .replaceAll('\u0000open', '{{ "{{" }}')
    .replaceAll('\u0000close', '{{ "}}" }}');

/** A manifest file as the chart's template: markers become Helm actions, optional files an `if`. */
export function helmTemplate(file: ManifestFile): string {
  const lines = escapeBraces(yaml(file.objects))
    .split('\n')
    .flatMap((line) => {
      const block = new RegExp(`^(\\s*)([\\w.-]+): ${OPEN}block:(.+?)${CLOSE}$`).exec(line);
      if (block) {
        const [, indent = '', key, expr] = block;
        return [
          `${indent}{{- with ${expr} }}`,
          `${indent}${key}:`,
          `${indent}  {{- toYaml . | nindent ${indent.length + 2} }}`,
          `${indent}{{- end }}`,
        ];
      }
      const labels = new RegExp(`^(\\s*)${OPEN}with:(.+?)${CLOSE}: ""$`).exec(line);
      if (labels) {
        const [, indent = '', expr] = labels;
        return [
          `${indent}{{- with ${expr} }}`,
          `{{ toYaml . | indent ${indent.length} }}`,
          `${indent}{{- end }}`,
        ];
      }
      const replaced = line.replace(new RegExp(`${OPEN}([^${OPEN}${CLOSE}]+?)${CLOSE}`, 'g'), '{{ $1 }}');
      if (replaced.includes(OPEN)) throw new Error(`a value marker the template cannot place: ${line}`);
      return [replaced];
    })
    .join('\n');
  return file.enabledBy ? `{{- if .Values.${file.enabledBy} }}\n${lines}{{- end }}\n` : lines;
}

/** The same files rendered with concrete values, as `helm template` would with those values. */
export function renderManifests(files: readonly ManifestFile[], values: Values): string {
  return files
    .filter((file) => !file.enabledBy || at(values, file.enabledBy) === true)
    .map((file) => yaml(file.objects.map(withoutUndefined)))
    .join('---\n');
}

/** Drops keys whose value is undefined, so empty optional blocks vanish as in the chart. */
function withoutUndefined(object: object): object {
  return JSON.parse(JSON.stringify(object));
}
