import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemBody } from './problem.js';

/** What Node's parser refuses before any route runs, as the problem+json every other refusal is. */
function refusalOf(error: NodeJS.ErrnoException): { status: number; code: string; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'headers_too_large', detail: 'The request line and headers together exceed 16 KiB.' };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', detail: 'The request did not arrive in time.' };
  return { status: 400, code: 'malformed_http', detail: 'The request is not well-formed HTTP/1.1.' };
}

/**
 * The HTTP server for the app. Node answers a request its parser refuses with a bare status line; a
 * client (and the fuzz) expects a problem+json, so it is written to the socket here, as Node's own
 * handler would write its status line, and the connection is closed.
 */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer(app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset peer cannot read an answer; a response already under way must not get a second one.
    const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const { status, code, detail } = refusalOf(error);
    const problem = problemBody(status, code, detail);
    const body = JSON.stringify(problem);
    socket.end(`HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}
