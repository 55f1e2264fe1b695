import { z } from 'zod';
import {
  ALLOW_SHARED_REALM_ANNOTATION,
  CATALOGUE,
  catalogueEntry,
  ROTATE_SECRET_ANNOTATION,
  SKIP_IDP_CLEANUP_ANNOTATION,
} from '../contract/index.js';
import { inListOrder } from '../server/registry.js';
import { ALL_TOOLS } from '../server/tools/index.js';

interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function constraints(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.enum) parts.push(`one of ${node.enum.map((value) => `\`${value}\``).join(', ')}`);
  if (node.items?.enum) parts.push(`items: ${node.items.enum.map((value) => `\`${value}\``).join(', ')}`);
  if (node.format) parts.push(`format ${node.format}`);
  if (node.minimum !== undefined || node.maximum !== undefined)
    parts.push(`${node.minimum ?? '…'}–${node.maximum ?? '…'}`);
  if (node.minItems !== undefined || node.maxItems !== undefined)
    parts.push(`${node.minItems ?? 0}–${node.maxItems ?? '…'} items`);
  if (node.maxLength !== undefined) parts.push(`≤ ${node.maxLength} chars`);
  if (node.default !== undefined) parts.push(`default \`${JSON.stringify(node.default)}\``);
  return parts.join('; ');
}

/** `docs/crd.md`: every field of the CRD's schema, and its validation rules, from `crds/`. */
export function crdReference(crd: {
  spec: { versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[] };
}): string {
  const version = crd.spec.versions[0];
  if (!version) throw new Error('the CRD has no version');
  const rows: string[] = [];
  const rules: string[] = [];
  const walk = (node: SchemaNode, path: string, required: boolean) => {
    if (path) {
      const type = node.type === 'array' ? `${node.items?.type ?? 'any'}[]` : (node.type ?? 'any');
      rows.push(
        `| \`${path}\` | ${type} | ${required ? 'yes' : ''} | ${cell(constraints(node))} | ${cell(node.description ?? '')} |`,
      );
    }
    for (const rule of node['x-kubernetes-validations'] ?? [])
      rules.push(`- \`${path || '(root)'}\`: ${rule.message} — \`${cell(rule.rule)}\``);
    for (const [key, child] of Object.entries(node.properties ?? {}))
      walk(child, path ? `${path}.${key}` : key, node.required?.includes(key) ?? false);
    if (node.items?.properties) walk({ ...node.items, description: undefined }, `${path}[]`, false);
  };
  const root = version.schema.openAPIV3Schema;
  for (const part of ['spec', 'status'] as const) {
    const node = root.properties?.[part];
    if (node) walk(node, part, root.required?.includes(part) ?? false);
  }
  return [
    '# `NextcloudMcp` reference',
    '',
    `Generated from \`crds/nextcloudmcps.nextcloud-mcp.io.yaml\` (\`${version.name}\`) by \`npm run generate\`; do not edit.`,
    '',
    '| field | type | required | constraints | description |',
    '|---|---|---|---|---|',
    ...rows.filter((row) => !row.startsWith('| `status.conditions[].')),
    '',
    '## Rules the API server enforces (CEL)',
    '',
    ...rules,
    '',
    '## Annotations the operator reads',
    '',
    `- \`${ROTATE_SECRET_ANNOTATION}: <new value>\`: rotate the proxy's client secret once per value; the pods roll.`,
    `- \`${SKIP_IDP_CLEANUP_ANNOTATION}: "true"\`: on a resource being deleted, release the finalizer without removing anything at the identity provider.`,
    `- \`${ALLOW_SHARED_REALM_ANNOTATION}: "true"\`: let this tenant share its Keycloak realm with others (they then accept each other's tokens).`,
    '',
  ].join('\n');
}

/** The note on tools with a `confirm` hook; docs/connecting-clients.md says more. */
const CONFIRMS =
  'Asks the user to confirm first, naming what it would change, when the client speaks MCP 2026-07-28 and can show a form (elicitation); other clients run it directly. See [Confirmations](connecting-clients.md#confirmations).';

/** `docs/tools.md`: the scopes → tools table and every tool's hints and input, from the tool definitions. */
export function toolsReference(): string {
  const scopeOf = new Map(CATALOGUE.map((entry) => [entry.name, entry.scope]));
  const byScope = new Map<string, string[]>();
  const tools = inListOrder(ALL_TOOLS);
  for (const tool of tools) {
    const scope = scopeOf.get(tool.name) ?? '(none)';
    byScope.set(scope, [...(byScope.get(scope) ?? []), `\`${tool.name}\``]);
  }
  const sections = tools.map((tool) => {
    const schema = z.toJSONSchema(z.object(tool.input), { io: 'input' }) as SchemaNode;
    const params = Object.entries(schema.properties ?? {}).map(
      ([name, node]) =>
        `| \`${name}\` | ${node.type ?? 'any'} | ${schema.required?.includes(name) ? 'yes' : ''} | ${cell(
          [node.description ?? '', constraints(node)].filter(Boolean).join(' — '),
        )} |`,
    );
    const entry = catalogueEntry(tool.name);
    const scopes = entry ? entry.scopes.map((scope) => `\`${scope}\``).join(' + ') : '(none)';
    const hints = Object.entries(tool.hints)
      .filter(([, on]) => on)
      .map(([hint]) => hint)
      .join(', ');
    return [
      `### \`${tool.name}\``,
      '',
      `${tool.title}. ${cell(tool.description)}`,
      '',
      `Scope ${scopes}; hints: ${hints || 'none'}.${entry?.alias ? ` Also callable as \`${entry.alias}\`.` : ''}`,
      ...(tool.confirm ? ['', CONFIRMS] : []),
      '',
      ...(params.length
        ? ['| parameter | type | required | notes |', '|---|---|---|---|', ...params]
        : ['No parameters.']),
      '',
    ].join('\n');
  });
  return [
    '# Tools',
    '',
    'Generated from the tool definitions in `server/tools/` by `npm run generate`; do not edit.',
    "Each tool needs its app's scope (and, for the few that reach another app's data, that app's",
    'scope too); a client sees only the tools whose scopes its token carries. Tools are listed here,',
    'and by `tools/list`, in the order of the catalogue in `contract/catalogue.ts`.',
    '',
    '| scope | tools |',
    '|---|---|',
    ...[...byScope].map(([scope, tools]) => `| \`${scope}\` | ${tools.join(', ')} |`),
    '',
    '## Tools in detail',
    '',
    ...sections,
  ].join('\n');
}
