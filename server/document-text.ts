import { setImmediate as nextTurn } from 'node:timers/promises';
import { gfm } from '@joplin/turndown-plugin-gfm';
import mammoth from 'mammoth';
import TurndownService from 'turndown';
import { getResolvedPDFJS } from 'unpdf';
import type { PDFDocumentProxy } from 'unpdf/pdfjs';
import { AbortedError, InvalidInputError, TimeoutError } from './errors.js';
import { assertInflatesWithin } from './zip-bounds.js';

/** What `parse_document` asks of a document: its plain text, or its structure where the format keeps one. */
export type ParseMode = 'auto' | 'markdown';

/** The text of a document and what was left out of it, for the model to tell the user. */
export interface DocumentText {
  readonly text: string;
  /** `markdown` keeps a DOCX's headings, lists and tables; `text` is flat. */
  readonly format: 'text' | 'markdown';
  /** The document's pages, when the format has pages (PDF). */
  readonly pages: number | null;
  readonly pagesRead: number | null;
  readonly truncated: boolean;
  readonly notes: string[];
}

export interface ParseBounds {
  readonly deadlineMs: number;
  readonly maxPages: number;
  readonly maxChars: number;
  readonly signal?: AbortSignal;
  /** Called after each page (PDF) or once (DOCX); progress only ever grows. */
  readonly progress?: (done: number, total: number, message: string) => void;
}

/** A parse takes at most this long; a PDF is read page by page, so a slow one ends with what it read. */
export const PARSE_DEADLINE_MS = 20_000;
/** Pages read from one PDF: a model gains little from more, and each page costs a parse. */
export const PARSE_MAX_PAGES = 500;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/**
 * What a DOCX may inflate to: its images stay about their size, and the XML mammoth parses (on
 * the event loop) of a long report is a few megabytes; a bomb is far more.
 */
export const DOCX_MAX_INFLATED_BYTES = 64 * 1024 * 1024;
const DOCX_MAX_XML_BYTES = 16 * 1024 * 1024;

/** The formats text is extracted from; other documents are refused by name (`unsupportedDocument`). */
export function parseableKind(mimeType: string): 'pdf' | 'docx' | undefined {
  if (mimeType === 'application/pdf') return 'pdf';
  if (mimeType === DOCX) return 'docx';
  return undefined;
}

/** Office documents, PDF and e-books: what the Python server extracts text from on read. */
export function isDocument(mimeType: string): boolean {
  return /^application\/(pdf|msword|rtf|epub\+zip|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|vnd\.ms-)/.test(
    mimeType,
  );
}

export function unsupportedDocument(path: string, mimeType: string): InvalidInputError {
  return new InvalidInputError(
    `Text is extracted from PDF and DOCX (Word) files only, not from ${mimeType}; ` +
      `parse_document: "raw" returns ${path} as it is`,
  );
}

/** The text of a PDF or DOCX the caller read, within `bounds`; refuses what cannot be read with why. */
export async function documentText(
  file: { readonly path: string; readonly mimeType: string; readonly body: Buffer },
  mode: ParseMode,
  bounds: ParseBounds,
): Promise<DocumentText> {
  const kind = parseableKind(file.mimeType);
  if (!kind) throw unsupportedDocument(file.path, file.mimeType);
  const extracted = kind === 'pdf' ? await pdfText(file, mode, bounds) : await docxText(file, mode, bounds);
  if (extracted.text.length <= bounds.maxChars) return extracted;
  return {
    ...extracted,
    text: extracted.text.slice(0, bounds.maxChars),
    truncated: true,
    notes: [
      ...extracted.notes,
      `The text was cut at ${bounds.maxChars} characters (the read limit); the rest is not included.`,
    ],
  };
}

async function pdfText(
  file: { readonly path: string; readonly body: Buffer },
  mode: ParseMode,
  bounds: ParseBounds,
): Promise<DocumentText> {
  const started = Date.now();
  const pdfjs = await getResolvedPDFJS();
  const task = pdfjs.getDocument({
    // A copy: pdf.js may take the buffer over, and the read's buffer is the caller's.
    data: new Uint8Array(file.body),
    // Fonts are never rendered here; no eval of font programs, no console chatter on stdout (stdio).
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await withDeadline(task.promise, started, bounds, file.path).catch((error: unknown) => {
      throw pdfFailure(error, file.path);
    });
    const pages = doc.numPages;
    const last = Math.min(pages, bounds.maxPages);
    const texts: string[] = [];
    const notes: string[] = [];
    let length = 0;
    for (let number = 1; number <= last; number++) {
      let text: string;
      try {
        text = await withDeadline(pageText(doc, number), started, bounds, file.path);
      } catch (error) {
        // A slow document ends with the pages read in time; one with none read is refused.
        if (!(error instanceof TimeoutError) || texts.length === 0) throw pdfFailure(error, file.path);
        notes.push(
          `Stopped at the ${bounds.deadlineMs / 1000} s parse deadline after ${texts.length} of ${pages} pages; the rest is not included.`,
        );
        break;
      }
      texts.push(text);
      length += text.length + 2;
      bounds.progress?.(number, last, `Read page ${number} of ${last} of ${file.path}`);
      // Past the output cap more pages only cost time; the cap's note says what was cut.
      if (length > bounds.maxChars) break;
      // pdf.js parses on this thread: let other requests run between pages.
      await nextTurn();
    }
    if (last < pages && texts.length === last)
      notes.push(
        `Only the first ${last} of ${pages} pages were read (the parse limit is ${bounds.maxPages}).`,
      );
    if (mode === 'markdown')
      notes.push("A PDF's structure (headings, tables) is not reconstructed here: this is its text layer.");
    if (texts.every((text) => text === ''))
      notes.push('The PDF has no text layer (a scan?); there is no OCR here, so no text came out.');
    return {
      text: texts.join('\n\n'),
      format: 'text',
      pages,
      pagesRead: texts.length,
      truncated: false,
      notes,
    };
  } finally {
    await task.destroy();
  }
}

/** One page's text layer, a line break where the PDF ends a line. */
async function pageText(doc: PDFDocumentProxy, number: number): Promise<string> {
  const page = await doc.getPage(number);
  const content = await page.getTextContent();
  page.cleanup();
  return content.items
    .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
    .join('')
    .trim();
}

async function docxText(
  file: { readonly path: string; readonly body: Buffer },
  mode: ParseMode,
  bounds: ParseBounds,
): Promise<DocumentText> {
  const input = { buffer: file.body };
  // Refused before mammoth inflates it whole: a small DOCX may hold gigabytes.
  await assertInflatesWithin(file.body, {
    maxBytes: DOCX_MAX_INFLATED_BYTES,
    maxXmlBytes: DOCX_MAX_XML_BYTES,
  }).catch((error: unknown) => {
    throw new InvalidInputError(
      `${file.path} is not a DOCX file this server reads (${errorText(error)}); parse_document: "raw" returns it as it is`,
      { cause: error },
    );
  });
  // mammoth converts in one go and cannot be stopped: past the deadline its answer is dropped.
  const converted =
    mode === 'markdown'
      ? mammoth.convertToHtml(input, {
          // Images would come as base64 data URIs; a model gets their alt text instead.
          convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
          externalFileAccess: false,
        })
      : mammoth.extractRawText(input);
  const result = await withDeadline(converted, Date.now(), bounds, file.path).catch((error: unknown) => {
    if (error instanceof TimeoutError || error instanceof AbortedError) throw error;
    throw new InvalidInputError(
      `${file.path} is not a readable DOCX file (${errorText(error)}); parse_document: "raw" returns it as it is`,
      { cause: error },
    );
  });
  bounds.progress?.(1, 1, `Read ${file.path}`);
  return {
    text: (mode === 'markdown' ? markdown.turndown(result.value) : result.value).trim(),
    format: mode === 'markdown' ? 'markdown' : 'text',
    pages: null,
    pagesRead: null,
    truncated: false,
    notes:
      mode === 'markdown'
        ? ['The structure (headings, lists, tables) comes as Markdown; images as their alt text.']
        : [],
  };
}

/** mammoth's HTML as Markdown, tables included (GitHub's flavour), ATX headings and fenced code. */
const markdown = new TurndownService({
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
}).use(gfm);

/** `work`, or a TimeoutError once the deadline counted from `started` passes, or AbortedError. */
function withDeadline<T>(work: Promise<T>, started: number, bounds: ParseBounds, path: string): Promise<T> {
  const late = () =>
    new TimeoutError(
      `Extracting the text of ${path} took longer than ${bounds.deadlineMs / 1000} s; parse_document: "raw" returns it as it is`,
    );
  const left = started + bounds.deadlineMs - Date.now();
  if (left <= 0) return Promise.reject(late());
  if (bounds.signal?.aborted) return Promise.reject(new AbortedError(`Reading ${path} was cancelled`));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), left);
    onAbort = () => reject(new AbortedError(`Reading ${path} was cancelled`));
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, stop]).finally(() => {
    clearTimeout(timer);
    if (onAbort) bounds.signal?.removeEventListener('abort', onAbort);
  });
}

/** pdf.js's refusals, named for the person reading: encrypted, or not a PDF it can read. */
function pdfFailure(error: unknown, path: string): Error {
  if (error instanceof TimeoutError || error instanceof AbortedError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException')
    return new InvalidInputError(
      `${path} is an encrypted PDF that needs a password; its text cannot be extracted. parse_document: "raw" returns it as it is`,
      { cause: error },
    );
  return new InvalidInputError(
    `${path} is not a readable PDF (${errorText(error)}); parse_document: "raw" returns it as it is`,
    { cause: error },
  );
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
