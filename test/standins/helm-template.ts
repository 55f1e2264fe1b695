import { stringify } from 'yaml';

/**
 * A stand-in for `helm template` over the subset of Go templates the chart uses (its templates
 * are generated, so the subset is closed): `{{ .Values.x }}`, `.Release.Name/Namespace`,
 * `.Chart.AppVersion`, `| quote`, `| default`, `{{ "literal" }}`, `{{- if X }}`/`{{- with X }}`
 * … `{{- end }}` (no else), `toYaml . | nindent N` / `indent N`, and `{{-`/`-}}` whitespace
 * trimming as text/template does. Anything else throws, so a template outside the subset cannot
 * pass unnoticed; where Helm exists the tests run the real one too.
 */
export interface HelmContext {
  readonly Values: unknown;
  readonly Release: { readonly Name: string; readonly Namespace: string };
  readonly Chart: { readonly AppVersion: string };
}

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  // A quoted string may hold braces (`{{ "}}" }}`), so the body skips over string literals.
  const pattern = /\{\{(-?)\s*((?:"[^"]*"|[^"])*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(pattern)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ kind: 'text', text });
    tokens.push({ kind: 'action', body: match[2] ?? '' });
    trimNext = match[3] === '-';
    last = (match.index ?? 0) + match[0].length;
  }
  let rest = template.slice(last);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  tokens.push({ kind: 'text', text: rest });
  return tokens;
}

/** Go's truthiness: false, 0, nil, and empty strings, maps and lists are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** toYaml as Helm's: sorted map keys, no trailing newline. */
function toYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function evaluate(expression: string, dot: unknown, context: HelmContext): unknown {
  const [head = '', ...pipes] = expression.split('|').map((part) => part.trim());
  let value = operand(head, dot, context);
  for (const pipe of pipes) {
    const [fn, arg] = pipe.split(/\s+/, 2);
    if (fn === 'quote') value = JSON.stringify(String(value ?? ''));
    else if (fn === 'default') value = truthy(value) ? value : operand(arg ?? '', dot, context);
    else if (fn === 'nindent') value = `\n${indent(String(value), Number(arg))}`;
    else if (fn === 'indent') value = indent(String(value), Number(arg));
    else throw new Error(`the Helm stand-in does not know the function "${fn}"`);
  }
  return value;
}

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');

function operand(expression: string, dot: unknown, context: HelmContext): unknown {
  if (expression === '.') return dot;
  if (/^"(.*)"$/.test(expression)) return JSON.parse(expression);
  if (expression.startsWith('toYaml ')) return toYaml(operand(expression.slice(7).trim(), dot, context));
  if (/^\.[A-Z]\w*(\.\w+)*$/.test(expression)) {
    return expression
      .slice(1)
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], context);
  }
  throw new Error(`the Helm stand-in cannot evaluate "${expression}"`);
}

/** Renders one template with the given values, as `helm template` would. */
export function renderHelmTemplate(template: string, context: HelmContext): string {
  const tokens = tokenize(template);
  let position = 0;
  const block = (dot: unknown, untilEnd: boolean): string => {
    let out = '';
    while (position < tokens.length) {
      const token = tokens[position++] as Token;
      if (token.kind === 'text') {
        out += token.text;
        continue;
      }
      const [keyword = '', ...rest] = token.body.split(/\s+/);
      if (keyword === 'end') {
        if (!untilEnd) throw new Error('an {{ end }} without a block');
        return out;
      }
      if (keyword === 'if' || keyword === 'with') {
        const value = evaluate(rest.join(' '), dot, context);
        const inner = block(keyword === 'with' ? value : dot, true);
        if (truthy(value)) out += inner;
        continue;
      }
      if (keyword === 'else') throw new Error('the Helm stand-in does not support else');
      out += String(evaluate(token.body, dot, context) ?? '');
    }
    if (untilEnd) throw new Error('a block without {{ end }}');
    return out;
  };
  return block(context.Values, false);
}
