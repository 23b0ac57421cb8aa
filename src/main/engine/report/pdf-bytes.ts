/** Collecting a pdfkit document's bytes, shared by report.pdf and compare.pdf. */

/**
 * Runs draw on doc, ends it and resolves with the whole file. A drawing error still ends the document, so its stream
 * closes, and is then the rejection.
 */
export function pdfBytes(doc: PDFKit.PDFDocument, draw: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    draw();
    doc.end();
  } catch (e) {
    doc.end();
    return done.then(() => Promise.reject(e));
  }
  return done;
}
