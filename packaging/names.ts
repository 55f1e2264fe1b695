import type { Values } from './values.js';

/**
 * The release's object names and labels, twice: as TypeScript (for `deploy/` and the packaging
 * model) and as the chart's `_helpers.tpl`. Tests render both for several releases and overrides
 * and require them to agree.
 */
export const CHART_NAME = 'nextcloud-mcp-operator';

/** What Helm knows of a release and its chart when it renders. */
export interface Release {
  readonly name: string;
  readonly namespace: string;
  readonly chartVersion: string;
  readonly appVersion: string;
}

/** Sprig's `trunc 63 | trimSuffix "-"`: names and label values stop at 63 characters. */
const label = (text: string, max = 63) => {
  const cut = text.slice(0, max);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
};

export interface ReleaseNames {
  /** The chart's name, or `nameOverride`: the `app.kubernetes.io/name` label. */
  readonly name: string;
  /** Every namespaced object's name: `<release>-<name>`, the release alone when it holds the name. */
  readonly fullname: string;
  /**
   * Cluster-scoped objects' name, `<namespace>:<fullname>`: namespaced names are unique within
   * their namespace, and neither part holds a colon, so no two releases anywhere share it.
   */
  readonly cluster: string;
  readonly serviceAccount: string;
  /** The full name with a suffix, the name shortened so the whole stays a DNS label. */
  suffixed(suffix: string): string;
  /** What selectors match: stable for the release's life, never its version. */
  readonly selector: Record<string, string>;
  /** Every object's labels. */
  labels(component: string): Record<string, string>;
}

export function releaseNames(values: Values, release: Release): ReleaseNames {
  const name = label(values.nameOverride || CHART_NAME);
  const fullname = values.fullnameOverride
    ? label(values.fullnameOverride)
    : label(release.name.includes(name) ? release.name : `${release.name}-${name}`);
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': release.name };
  const { serviceAccount } = values;
  return {
    name,
    fullname,
    cluster: `${release.namespace}:${fullname}`,
    serviceAccount: serviceAccount.name || (serviceAccount.create ? fullname : 'default'),
    suffixed: (suffix) => `${label(fullname, 62 - suffix.length)}-${suffix}`,
    selector,
    labels: (component) => ({
      'helm.sh/chart': label(`${CHART_NAME}-${release.chartVersion}`.replaceAll('+', '_')),
      ...selector,
      'app.kubernetes.io/version': release.appVersion,
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/part-of': PART_OF,
      'app.kubernetes.io/component': component,
    }),
  };
}

const PART_OF = 'nextcloud-mcp';

/** The same rules as Helm named templates; `include "<chart>.<name>" .` uses them. */
export const HELPERS = `{{- define "${CHART_NAME}.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "${CHART_NAME}.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "${CHART_NAME}.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "${CHART_NAME}.cluster" -}}
{{- printf "%s:%s" .Release.Namespace (include "${CHART_NAME}.fullname" .) }}
{{- end }}

{{- define "${CHART_NAME}.serviceAccount" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "${CHART_NAME}.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* (list . "suffix") */}}
{{- define "${CHART_NAME}.suffixed" -}}
{{- $suffix := index . 1 }}
{{- $base := include "${CHART_NAME}.fullname" (index . 0) | trunc (int (sub 62 (len $suffix))) | trimSuffix "-" }}
{{- printf "%s-%s" $base $suffix }}
{{- end }}

{{- define "${CHART_NAME}.selector" -}}
app.kubernetes.io/name: {{ include "${CHART_NAME}.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The component label follows, per object. */}}
{{- define "${CHART_NAME}.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "${CHART_NAME}.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ${PART_OF}
{{- end }}
`;
