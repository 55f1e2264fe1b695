import { z } from 'zod';

/**
 * Other names a tool accepts for its parameters, `{ alias: canonical }`: the Python server's
 * names where ours differ, so calls written for it mean the same here.
 */
export type Aliases = Readonly<Record<string, string>>;

/**
 * How a tool's arguments are read: its own strict schema, after the leniencies the Python
 * server's argument model (pydantic, lax mode) has and clients rely on:
 * - `null` for an optional parameter means "not given", and so does `""` for one whose schema
 *   refuses the empty text (the Python signatures' "not given" default for text is `""`);
 * - a list or object parameter may arrive as a string holding its JSON;
 * - a number or boolean parameter may arrive as its text (`"42"`, `"true"`);
 * - a declared alias stands for its canonical name (both at once must agree).
 * Unknown names stay errors: a misspelt `etag` must never write without the check.
 * The advertised JSON schema stays the canonical one; these are accepted, not offered.
 */
export function argumentSchema(shape: z.ZodRawShape, aliases: Aliases = {}): z.ZodType {
  const strict = z.strictObject(shape);
  const fields = Object.entries(shape).map(([name, schema]) => ({
    name,
    optional: z.safeParse(schema, undefined).success,
    refusesEmpty: !z.safeParse(schema, '').success,
    kind: baseKind(schema),
  }));
  return z
    .unknown()
    .transform((raw, ctx) => {
      if (!isRecord(raw)) return raw;
      const args: Record<string, unknown> = { ...raw };
      for (const [alias, canonical] of Object.entries(aliases)) {
        if (!Object.hasOwn(args, alias)) continue;
        const value = args[alias];
        delete args[alias];
        if (Object.hasOwn(args, canonical) && !sameValue(args[canonical], value)) {
          ctx.addIssue({
            code: 'custom',
            path: [alias],
            message: `${alias} and ${canonical} disagree; give one`,
          });
          return z.NEVER;
        }
        args[canonical] = value;
      }
      for (const { name, optional, refusesEmpty, kind } of fields) {
        if (!Object.hasOwn(args, name)) continue;
        const unset = args[name] === null || (args[name] === '' && refusesEmpty);
        if (unset && optional) delete args[name];
        else args[name] = coerce(args[name], kind);
      }
      return args;
    })
    .pipe(strict);
}

/** The parts of a zod definition that say what it wraps. */
interface WrapperDef {
  readonly type: string;
  readonly innerType?: z.core.$ZodType;
  readonly in?: z.core.$ZodType;
}

/** What a parameter is underneath its optional/default/nullable wrappers. */
type Kind = 'array' | 'object' | 'number' | 'boolean' | 'other';

function baseKind(schema: z.core.$ZodType): Kind {
  let def = schema._zod.def as WrapperDef;
  for (;;) {
    if (def.innerType) def = def.innerType._zod.def as WrapperDef;
    else if (def.type === 'pipe' && def.in) def = def.in._zod.def as WrapperDef;
    else break;
  }
  switch (def.type) {
    case 'array':
    case 'tuple':
      return 'array';
    case 'object':
    case 'record':
      return 'object';
    case 'number':
    case 'int':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'other';
  }
}

function coerce(value: unknown, kind: Kind): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  switch (kind) {
    case 'array':
    case 'object': {
      if (!(text.startsWith('[') || text.startsWith('{'))) return value;
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed === 'object' && parsed !== null && Array.isArray(parsed) === (kind === 'array')
          ? parsed
          : value;
      } catch {
        return value;
      }
    }
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : value;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : value;
    default:
      return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
