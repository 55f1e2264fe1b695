import { z } from 'zod';

/** What the mail tools share: id arguments, and how Mail's loosely typed fields are shown. */

type Json = Record<string, unknown>;

export const mailId = (what: string) =>
  z.number().int().min(1).max(2_147_483_647).describe(`The numeric id of the ${what}`);

export const addressShape = z.object({ label: z.string(), email: z.string() });
export type Address = z.output<typeof addressShape>;

export const str = (value: unknown) => (typeof value === 'string' ? value : '');

export function addresses(value: unknown): Address[] {
  return (Array.isArray(value) ? value : []).map((entry: Json) => ({
    label: str(entry?.label),
    email: str(entry?.email),
  }));
}

/** Mail's `dateInt` (seconds) as ISO 8601, or null when absent. */
export function isoDate(seconds: unknown): string | null {
  return typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
}

export const tagShape = { id: z.number(), name: z.string(), imap_label: z.string(), color: z.string() };

export function tagView(tag: Json) {
  return {
    id: Number(tag.id),
    name: str(tag.displayName),
    imap_label: str(tag.imapLabel),
    color: str(tag.color),
  };
}
