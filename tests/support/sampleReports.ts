import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A lab report PDF with a real text layer, one line per entry, as labs print them. */
export async function labReportPdf(lines: readonly string[], title = 'City Diagnostics — Laboratory Report'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText(title, { x: 40, y: 800, size: 14, font });
  page.drawText('Patient: Test Patient    Age/Sex: 42/F    Sample: Blood', { x: 40, y: 780, size: 10, font });
  page.drawText('Test                         Result      Unit        Reference', { x: 40, y: 750, size: 10, font });
  lines.forEach((line, index) => page.drawText(line, { x: 40, y: 730 - index * 18, size: 10, font }));
  return Buffer.from(await doc.save());
}

/** A PDF with no text layer at all (like a scan). */
export async function blankPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]);
  return Buffer.from(await doc.save());
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid 2×2 grey PNG. */
export function tinyPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const rows = Buffer.from([0, 0x80, 0x80, 0, 0x80, 0x80]); // filter byte + 2 pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of a JFIF JPEG (what content sniffing looks at), closed with an end-of-image marker. */
export function tinyJpeg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]), Buffer.alloc(64), Buffer.from([0xff, 0xd9]),
  ]);
}

/** Linux and Windows executables: what a renamed `.pdf` may really be. */
export function elfExecutable(): Buffer {
  return Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(120)]);
}

export function windowsExecutable(): Buffer {
  const pe = Buffer.alloc(256);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  return pe;
}

/** The lines of a report with known flags: low haemoglobin, high fasting glucose and HbA1c, normal TSH. */
export const DIABETIC_PANEL = [
  'Haemoglobin                  10.1        g/dL        12.0 - 17.5',
  'Glucose (Fasting)            182         mg/dL       70 - 99',
  'HbA1c                        8.2         %           4.0 - 5.6',
  'TSH                          2.1         uIU/mL      0.4 - 4.0',
  'LDL Cholesterol              96          mg/dL       < 100',
];
