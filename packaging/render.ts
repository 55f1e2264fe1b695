import { stringify } from 'yaml';
import type { ManifestFile, ValueSource } from './manifests.js';
import { CHART_NAME, HELPERS, type Release, releaseNames } from './names.js';
import type { Values } from './values.js';

/** The value at a dotted values path (`image.pullPolicy`). */
export const at = (values: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values);

/** Helm's `empty`, for the values a chart has: nothing, an empty list or map, `false`, `''`, 0. */
const isEmpty = (value: unknown) =>
  !value ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && Object.keys(value).length === 0);

/** Values read from a concrete values object (the defaults, for `deploy/`). */
export function concreteSource(values: Values, release: Release): ValueSource {
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
    empty: (path) => isEmpty(at(values, path)),
    orDefault: (path, _name, fallback) => (isEmpty(at(values, path)) ? fallback : at(values, path)),
    namespace: release.namespace,
    names: releaseNames(values, release),
    image: `${values.image.repository}:${values.image.tag ?? release.appVersion}`,
  };
}

// Markers that survive YAML serialisation and become template actions afterwards.
const OPEN = '\u00ab';
const CLOSE = '\u00bb';
const include = (name: string, context = '.') => `${OPEN}include "${CHART_NAME}.${name}" ${context}${CLOSE}`;
/** A map key that becomes the named template's lines (labels) at the map's indent. */
const includeKey = (name: string) => `${OPEN}include:${name}${CLOSE}`;

/** Helm expressions in place of values, and the named templates they use (`_helpers.tpl`). */
export interface HelmSource extends ValueSource {
  helpers(): string;
}

export function helmSource(): HelmSource {
  const fallbacks = new Map<string, object>();
  return {
    value: <T>(path: string) => `${OPEN}.Values.${path}${CLOSE}` as T,
    text: (path) => `${OPEN}.Values.${path} | quote${CLOSE}`,
    block: (path) => `${OPEN}block:.Values.${path}${CLOSE}`,
    joined: (paths) => `${OPEN}block:concat ${paths.map((path) => `.Values.${path}`).join(' ')}${CLOSE}`,
    withLabels: (base, path) => ({ ...base, [`${OPEN}with:.Values.${path}${CLOSE}`]: '' }),
    empty: (path) => `${OPEN}empty .Values.${path}${CLOSE}` as unknown as boolean,
    orDefault: (path, name, fallback) => {
      fallbacks.set(name, fallback);
      return `${OPEN}block:.Values.${path} | default (include "${CHART_NAME}.${name}" . | fromYaml)${CLOSE}`;
    },
    namespace: `${OPEN}.Release.Namespace${CLOSE}`,
    names: {
      name: include('name'),
      fullname: include('fullname'),
      cluster: include('cluster'),
      serviceAccount: include('serviceAccount'),
      suffixed: (suffix) => include('suffixed', `(list . "${suffix}")`),
      selector: { [includeKey('selector')]: '' },
      labels: (component) => ({ [includeKey('labels')]: '', 'app.kubernetes.io/component': component }),
    },
    image: `${OPEN}.Values.image.repository${CLOSE}:${OPEN}.Values.image.tag | default .Chart.AppVersion${CLOSE}`,
    helpers: () =>
      [
        HELPERS,
        ...[...fallbacks].map(
          ([name, fallback]) =>
            `{{- define "${CHART_NAME}.${name}" -}}\n${templateText(yaml([fallback]))}{{- end }}\n`,
        ),
      ].join('\n'),
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

/** YAML with markers as template text: each marker becomes its Helm action. */
function templateText(text: string): string {
  return escapeBraces(text)
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
      const included = new RegExp(`^(\\s*)${OPEN}include:([\\w.]+)${CLOSE}: ""$`).exec(line);
      if (included) {
        const [, indent = '', name] = included;
        return [`${indent}{{- include "${CHART_NAME}.${name}" . | nindent ${indent.length} }}`];
      }
      const replaced = line.replace(new RegExp(`${OPEN}([^${OPEN}${CLOSE}]+?)${CLOSE}`, 'g'), '{{ $1 }}');
      if (replaced.includes(OPEN)) throw new Error(`a value marker the template cannot place: ${line}`);
      return [replaced];
    })
    .join('\n');
}

/** A manifest file as the chart's template: markers become Helm actions, optional files an `if`. */
export function helmTemplate(file: ManifestFile): string {
  const lines = templateText(yaml(file.objects));
  return file.when ? `{{- if ${file.when.helm} }}\n${lines}{{- end }}\n` : lines;
}

/** The same files rendered with concrete values, as `helm template` would with those values. */
export function renderManifests(files: readonly ManifestFile[], values: Values): string {
  return files
    .filter((file) => !file.when || file.when.holds(values))
    .map((file) => yaml(file.objects.map(withoutUndefined)))
    .join('---\n');
}

/** Drops keys whose value is undefined, so empty optional blocks vanish as in the chart. */
function withoutUndefined(object: object): object {
  return JSON.parse(JSON.stringify(object));
}
