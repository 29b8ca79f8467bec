// Reads a PDF's text layer in a worker thread. pdf-parse's pdfjs build installs polyfills that replace
// globals (Array.prototype.push and JSON.parse among them) with slower JavaScript versions; here they
// stay out of the service's thread, and a hostile PDF can be stopped without stalling the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';

const parser = new PDFParse({ data: workerData });
try {
  parentPort.postMessage({ text: (await parser.getText()).text });
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
  await parser.destroy().catch(() => {});
}
