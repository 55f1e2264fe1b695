import yauzl from 'yauzl';

/**
 * Throws unless the ZIP archive in `body` inflates to at most `maxBytes` in all, and its XML
 * parts to at most `maxXmlBytes`. mammoth inflates
 * a DOCX whole, in memory, trusting what it holds; a few megabytes can expand to gigabytes (a zip
 * bomb) and take the pod down. Every entry is really inflated here and counted, and yauzl checks
 * each one against the size its header declares, so an archive that lies is refused too.
 */
export async function assertInflatesWithin(
  body: Buffer,
  bounds: { readonly maxBytes: number; readonly maxXmlBytes: number },
): Promise<void> {
  const zip = await yauzl.fromBufferPromise(body, { lazyEntries: true, validateEntrySizes: true });
  let total = 0;
  let xml = 0;
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) return;
      total += entry.uncompressedSize;
      if (total > bounds.maxBytes) throw new Error(`it inflates to more than ${bounds.maxBytes} bytes`);
      // The parts a converter parses (on the event loop) get the tighter bound.
      if (/\.(xml|rels)$/i.test(entry.fileName)) xml += entry.uncompressedSize;
      if (xml > bounds.maxXmlBytes)
        throw new Error(`its XML parts inflate to more than ${bounds.maxXmlBytes} bytes`);
      if (entry.fileName.endsWith('/')) continue;
      // The declared size is checked against what really comes out while it streams.
      for await (const _chunk of await zip.openReadStreamPromise(entry));
    }
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}
