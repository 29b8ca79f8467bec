import request from 'supertest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed JSON answers, checked by the assertions that read them
export type Json = Record<string, any>;

export interface HttpAnswer {
  status: number;
  body: Json;
  headers: Record<string, string>;
}

export interface HttpCall {
  token?: string | null;
  /** JSON body; a string is sent as it is (signed webhook bodies must arrive byte for byte). */
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** One way to talk to the service over HTTP: in-process (supertest) or over the network (fetch). */
export interface HttpClient {
  readonly name: string;
  send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, call?: HttpCall): Promise<HttpAnswer>;
}

const headersOf = (call: HttpCall): Record<string, string> => ({
  ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
  ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
  ...call.headers,
});

function parseJson(text: string): Json {
  try {
    return text ? (JSON.parse(text) as Json) : {};
  } catch {
    return { text };
  }
}

const withQuery = (path: string, query?: Record<string, string>) => (query ? `${path}?${new URLSearchParams(query)}` : path);

/** The express app in this process (or a server listening for it), through supertest. */
export function inProcessClient(app: Parameters<typeof request>[0], name = 'in-process'): HttpClient {
  return {
    name,
    async send(method, path, call = {}) {
      const res = await request(app)[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](withQuery(path, call.query))
        .set(headersOf(call))
        .send(call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body));
      return { status: res.status, body: (res.body ?? {}) as Json, headers: res.headers as Record<string, string> };
    },
  };
}

/** A listening service at `baseUrl` (127.0.0.1 only), through fetch; every call is bounded in time. */
export function networkClient(baseUrl: string, name = baseUrl, timeoutMs = 15_000): HttpClient {
  return {
    name,
    async send(method, path, call = {}) {
      const res = await fetch(`${baseUrl}${withQuery(path, call.query)}`, {
        method,
        headers: headersOf(call),
        body: call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: parseJson(text), headers: Object.fromEntries(res.headers.entries()) };
    },
  };
}
