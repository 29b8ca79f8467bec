import type { RequestHandler } from 'express';
import { MulterError } from 'multer';

/** A multipart body the parser could not read: no boundary, a malformed part header, a truncated form. */
export class MalformedMultipart extends Error {
  constructor() { super('The multipart body is malformed.'); }
}

/**
 * Runs a multer handler, turning its parser's failures into MalformedMultipart. Busboy reports them as
 * plain `Error`s, which the error handler cannot tell from our own bugs; with in-memory storage every
 * non-MulterError out of multer comes from reading the client's body, so it is the client's fault (400).
 */
export function multipartBody(upload: RequestHandler): RequestHandler {
  return (req, res, next) => upload(req, res, (error?: unknown) => {
    next(!error || error instanceof MulterError ? error : new MalformedMultipart());
  });
}
