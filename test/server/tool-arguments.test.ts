import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { argumentSchema } from '../../server/tool-arguments.js';

const shape = {
  board_id: z.number().int().min(1),
  title: z.string().optional(),
  done: z.boolean().optional(),
  labels: z.array(z.string()).optional(),
  contact: z.object({ email: z.string() }).optional(),
  include_acl: z.boolean().default(true),
  etag: z.string().optional(),
  end: z.string().min(10).optional(),
  note: z.string().optional(),
};
const schema = argumentSchema(shape, { source_board_id: 'board_id' });

describe('the arguments a tool accepts besides its canonical schema', () => {
  it('reads null for an optional parameter as not given, and keeps defaults', () => {
    expect(schema.parse({ board_id: 1, title: null, include_acl: null })).toEqual({
      board_id: 1,
      include_acl: true,
    });
  });

  it('reads "" as not given where the schema cannot hold it (Python\'s default for text), else keeps it', () => {
    expect(schema.parse({ board_id: 1, end: '', etag: '', note: '' })).toEqual({
      board_id: 1,
      include_acl: true,
      etag: '',
      note: '',
    });
    expect(schema.safeParse({ board_id: '' }).success).toBe(false);
  });

  it('refuses null for a required parameter', () => {
    expect(schema.safeParse({ board_id: null }).success).toBe(false);
  });

  it('parses lists and objects sent as JSON text, and leaves other text to the schema', () => {
    expect(schema.parse({ board_id: 1, labels: '["a","b"]', contact: '{"email":"x@y.z"}' })).toMatchObject({
      labels: ['a', 'b'],
      contact: { email: 'x@y.z' },
    });
    expect(schema.safeParse({ board_id: 1, labels: '{"a":1}' }).success).toBe(false);
    expect(schema.safeParse({ board_id: 1, contact: 'null' }).success).toBe(false);
    expect(schema.safeParse({ board_id: 1, labels: 'a,b' }).success).toBe(false);
  });

  it('reads numbers and booleans sent as text', () => {
    expect(schema.parse({ board_id: '7', done: 'true' })).toMatchObject({ board_id: 7, done: true });
    expect(schema.safeParse({ board_id: '7.5' }).success).toBe(false);
    expect(schema.safeParse({ board_id: 'seven' }).success).toBe(false);
    expect(schema.safeParse({ board_id: 1, done: 'yes please' }).success).toBe(false);
  });

  it('takes an alias for its canonical name, and refuses the two disagreeing', () => {
    expect(schema.parse({ source_board_id: 3 })).toMatchObject({ board_id: 3 });
    expect(schema.parse({ source_board_id: 3, board_id: 3 })).toMatchObject({ board_id: 3 });
    const both = schema.safeParse({ source_board_id: 3, board_id: 4 });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toContain('disagree');
  });

  it('still refuses an unknown name: a misspelt etag never writes without the check', () => {
    const misspelt = schema.safeParse({ board_id: 1, e_tag: 'abc' });
    expect(misspelt.success).toBe(false);
    expect(misspelt.error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});
