import type { RequestHandler } from 'express';
import { MulterError } from 'multer';

/** A multipart body the parser could not read: no boundary, a malformed part header, a truncated form. */
export class MalformedMultipart extends Error {
  constructor() { super('The multipart body is malformed.'); }
}

/** A file over the route's limit (413); multer's own error does not say what the limit is. */
export class FileTooLarge extends Error {
  constructor(readonly limitBytes: number) { super(`The file may be at most ${limitBytes / (1024 * 1024)} MiB.`); }
}

/**
 * Runs a multer handler, turning its parser's failures into MalformedMultipart. Busboy reports them as
 * plain `Error`s, which the error handler cannot tell from our own bugs; apart from the file system
 * errors of spooling to disk (ours: they carry a `syscall`), every non-MulterError out of multer comes
 * from reading the client's body, so it is the client's fault (400).
 * `maxFileBytes` is the limit the handler was configured with, named in a 413.
 */
export function multipartBody(upload: RequestHandler, maxFileBytes: number): RequestHandler {
  return (req, res, next) => upload(req, res, (error?: unknown) => {
    if (error instanceof MulterError && error.code === 'LIMIT_FILE_SIZE') return next(new FileTooLarge(maxFileBytes));
    const ours = !error || error instanceof MulterError || (error as NodeJS.ErrnoException).syscall !== undefined;
    next(ours ? error : new MalformedMultipart());
  });
}
