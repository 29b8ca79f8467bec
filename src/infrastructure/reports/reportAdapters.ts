import { join } from 'node:path';
import type { Clock } from '../../application/ports/clock.js';
import type { FileStorage } from '../../application/ports/fileStorage.js';
import type { ReportAnalyzer } from '../../application/ports/reportAnalyzer.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { EmbeddedReportAnalyzer } from '../analysis/embeddedReportAnalyzer.js';
import { HttpReportAnalyzer } from '../analysis/httpReportAnalyzer.js';
import { CloudinaryFileStorage, parseCloudinaryUrl } from '../files/cloudinaryFileStorage.js';
import { LocalFileStorage, deriveLinkSigningKey } from '../files/localFileStorage.js';

/** Where the local storage's signed download links point (the reports router serves them). */
export const REPORT_FILES_PATH = '/api/reports/files';

/** Cloudinary when CLOUDINARY_URL is set, else local disk; the ML service when ML_SERVICE_URL is set, else embedded. */
export function reportAdapters(config: Config, clock: Clock, log: Logger): { storage: FileStorage; analyzer: ReportAnalyzer } {
  const storage: FileStorage = config.CLOUDINARY_URL
    ? new CloudinaryFileStorage(parseCloudinaryUrl(config.CLOUDINARY_URL), { clock })
    : new LocalFileStorage({ dir: join(config.dataDir, 'reports'), signingKey: deriveLinkSigningKey(config.JWT_SECRET), clock, downloadPath: REPORT_FILES_PATH });
  const embedded = new EmbeddedReportAnalyzer();
  const analyzer: ReportAnalyzer = config.ML_SERVICE_URL
    ? new HttpReportAnalyzer({
      baseUrl: config.ML_SERVICE_URL,
      clock,
      chatFallback: embedded,
      onFallback: (error) => log.warn({ err: error.message }, 'ML service unavailable; the embedded responder answered'),
    })
    : embedded;
  return { storage, analyzer };
}
