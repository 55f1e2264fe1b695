import { type CallToolResult, CallToolResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOCX_MAX_INFLATED_BYTES, documentText } from '../../server/document-text.js';
import { suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, unassignTag } from '../dav-client.js';
import { docx, pdf } from '../fixtures/documents.js';
import { call, callOk, textOf, unique, useServer, webdavAvailable } from '../harness.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const READ_MAX_BYTES = 64 * 1024;

describe('document text within its bounds', () => {
  const bounds = { deadlineMs: 20_000, maxPages: 500, maxChars: 100_000 };
  const file = (body: Buffer) => ({ path: '/doc.pdf', mimeType: 'application/pdf', body });

  it('reads at most maxPages pages and says how many there were', async () => {
    const parsed = await documentText(file(pdf([['one'], ['two'], ['three']])), 'auto', {
      ...bounds,
      maxPages: 2,
    });
    expect(parsed).toMatchObject({ text: 'one\n\ntwo', pages: 3, pagesRead: 2, truncated: false });
    expect(parsed.notes).toEqual(['Only the first 2 of 3 pages were read (the parse limit is 2).']);
  });

  it('gives up at the deadline with a timeout, not a hang', async () => {
    await expect(documentText(file(pdf([['late']])), 'auto', { ...bounds, deadlineMs: 0 })).rejects.toThrow(
      'Extracting the text of /doc.pdf took longer than 0 s; parse_document: "raw" returns it as it is',
    );
  });

  it('refuses a DOCX that inflates far beyond its size (a zip bomb) before converting it', async () => {
    const bomb = await JSZip.loadAsync(await docx('Minutes', 'Decided:', 'ship it', ['Owner', 'Alice']));
    bomb.file('word/media/zeros.bin', Buffer.alloc(DOCX_MAX_INFLATED_BYTES + 1));
    const body = await bomb.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    expect(body.length).toBeLessThan(READ_MAX_BYTES * 2);
    const docxFile = { path: '/bomb.docx', mimeType: DOCX, body };
    await expect(documentText(docxFile, 'auto', bounds)).rejects.toThrow(
      /^\/bomb\.docx is not a DOCX file this server reads \(it inflates to more than/,
    );
    // The XML a converter parses has the tighter bound: 17 MiB of it is refused as well.
    const wordy = await JSZip.loadAsync(await docx('Minutes', 'Decided:', 'ship it', ['Owner', 'Alice']));
    wordy.file('word/footer9.xml', Buffer.alloc(17 * 1024 * 1024, 0x20));
    const xmlBomb = {
      ...docxFile,
      body: await wordy.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }),
    };
    await expect(documentText(xmlBomb, 'auto', bounds)).rejects.toThrow(/its XML parts inflate to more than/);
  });

  it('refuses an encrypted PDF by name', async () => {
    await expect(documentText(file(pdf([['secret']], { encrypted: true })), 'auto', bounds)).rejects.toThrow(
      /^\/doc\.pdf is an encrypted PDF that needs a password/,
    );
  });
});

describe.runIf(webdavAvailable())('nc_webdav_read_file parse_document', () => {
  const tagName = 'mcp-test-parse';
  const env = useServer({ webdav: true, readMaxBytes: READ_MAX_BYTES, excludedTags: [tagName] });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-parse')}`;
  let tagId: number;

  const put = async (name: string, body: Buffer, contentType: string) => {
    const path = `${root}/${name}`;
    await callOk(env.client, 'nc_webdav_write_file', {
      path,
      content: body.toString('base64'),
      encoding: 'base64',
      content_type: contentType,
    });
    return path;
  };

  beforeAll(async () => {
    tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
  });

  it('gives the text of a PDF, page by page, when parse_document is auto or left out', async () => {
    const path = await put(
      'report.pdf',
      pdf([['Quarterly report', 'Revenue grew'], ['Second page']]),
      'application/pdf',
    );
    for (const args of [{ path }, { path, parse_document: 'auto' }]) {
      const read = await call(env.client, 'nc_webdav_read_file', args);
      expect(read.isError, read.text).toBeFalsy();
      expect(read.data).toMatchObject({
        path,
        mimeType: 'application/pdf',
        isText: false,
        content: 'Quarterly report\nRevenue grew\n\nSecond page',
        parsed: { format: 'text', pages: 2, pagesRead: 2, truncated: false, notes: [] },
      });
      expect(read.content).toEqual([{ type: 'text', text: 'Quarterly report\nRevenue grew\n\nSecond page' }]);
    }
    const markdown = await call(env.client, 'nc_webdav_read_file', { path, parse_document: 'markdown' });
    expect(markdown.data.parsed.notes).toEqual([
      "A PDF's structure (headings, tables) is not reconstructed here: this is its text layer.",
    ]);
  });

  it('gives a DOCX as plain text (auto) or with its structure as Markdown', async () => {
    const path = await put(
      'notes.docx',
      await docx('Minutes', 'Decided:', 'ship it', ['Owner', 'Alice']),
      DOCX,
    );
    const plain = await callOk(env.client, 'nc_webdav_read_file', { path });
    expect(plain).toMatchObject({
      content: 'Minutes\n\nDecided: ship it\n\nOwner\n\nAlice',
      parsed: { format: 'text' },
    });
    const structured = await callOk(env.client, 'nc_webdav_read_file', { path, parse_document: 'markdown' });
    expect(structured.content).toBe(
      '# Minutes\n\n**Decided:** ship it\n\n|     |     |\n| --- | --- |\n| Owner | Alice |',
    );
    expect(structured.parsed).toMatchObject({ format: 'markdown', pages: null });
  });

  it('returns the bytes as they are with parse_document raw', async () => {
    const body = pdf([['Kept as is']]);
    const path = await put('raw.pdf', body, 'application/pdf');
    const read = await call(env.client, 'nc_webdav_read_file', { path, parse_document: 'raw' });
    expect(read.data).toMatchObject({ content: null, parsed: null, size: body.length });
    const [block] = read.content;
    expect(
      block?.type === 'resource' && 'blob' in block.resource && Buffer.from(block.resource.blob, 'base64'),
    ).toEqual(body);
  });

  it('refuses a PDF above the read limit before parsing it', async () => {
    const path = await put('big.pdf', pdf([['x'.repeat(READ_MAX_BYTES)]]), 'application/pdf');
    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.isError).toBe(true);
    expect(read.text).toMatch(new RegExp(`^File ${path} is .* the limit of 64.0 KiB$`));
  });

  it('cuts the text of a small file that holds much text at the read limit, and says so', async () => {
    const page = Array.from({ length: 40 }, (_, i) => `Line ${i} of a long and very repetitive document`);
    const pages = Array.from({ length: 40 }, () => page);
    const path = await put('dense.pdf', pdf(pages, { deflate: true }), 'application/pdf');
    const read = await callOk(env.client, 'nc_webdav_read_file', { path });
    expect(read.size).toBeLessThan(READ_MAX_BYTES);
    expect(read.content).toHaveLength(READ_MAX_BYTES);
    // Pages past the cap are not read at all.
    expect(read.parsed).toMatchObject({ truncated: true, pages: 40 });
    expect(read.parsed.pagesRead).toBeLessThan(40);
    expect(read.parsed.notes).toContain(
      `The text was cut at ${READ_MAX_BYTES} characters (the read limit); the rest is not included.`,
    );
  });

  it('answers a corrupt PDF with a clear error', async () => {
    const path = await put('broken.pdf', Buffer.from('%PDF-1.4\nnot really a PDF'), 'application/pdf');
    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.isError).toBe(true);
    expect(read.text).toBe(
      `${path} is not a readable PDF (Invalid PDF structure.); parse_document: "raw" returns it as it is`,
    );
  });

  it('names what it parses when asked to parse another office format, and reads it as it is when not', async () => {
    const path = await put(
      'letter.odt',
      Buffer.from('PK\u0003\u0004 not parsed'),
      'application/vnd.oasis.opendocument.text',
    );
    const asked = await call(env.client, 'nc_webdav_read_file', { path, parse_document: 'auto' });
    expect(asked.isError).toBe(true);
    expect(asked.text).toBe(
      `Text is extracted from PDF and DOCX (Word) files only, not from application/vnd.oasis.opendocument.text; parse_document: "raw" returns ${path} as it is`,
    );
    expect((await callOk(env.client, 'nc_webdav_read_file', { path })).parsed).toBeNull();
  });

  it('still refuses a document carrying an excluded tag', async () => {
    const path = await put('secret.pdf', pdf([['Do not read']]), 'application/pdf');
    const { file_id } = await callOk(env.client, 'nc_webdav_get_file_tags', { path });
    await assignTag(env.target, file_id, tagId);
    cleanup.add(`tag ${tagName} on ${path}`, () => unassignTag(env.target, file_id, tagId));
    for (const parse_document of ['auto', 'markdown', 'raw']) {
      const read = await call(env.client, 'nc_webdav_read_file', { path, parse_document });
      expect(read.isError).toBe(true);
      expect(read.text).toMatch(/excluded by this tenant's privacy settings/);
      expect(read.text).not.toMatch(/Do not read/);
    }
  });

  it('sends a progress notification per page to a client that asked for progress', async () => {
    const path = await put('pages.pdf', pdf([['one'], ['two'], ['three']]), 'application/pdf');
    const seen: Progress[] = [];
    const result = (await env.client.callTool(
      { name: 'nc_webdav_read_file', arguments: { path } },
      CallToolResultSchema,
      {
        onprogress: (progress) => seen.push(progress),
      },
    )) as CallToolResult;
    expect(textOf(result)).toBe('one\n\ntwo\n\nthree');
    expect(seen).toEqual(
      [1, 2, 3].map((page) => ({
        progress: page,
        total: 3,
        message: `Read page ${page} of 3 of ${path}`,
      })),
    );
  });
});
