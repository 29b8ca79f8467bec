import type { Request } from 'express';

/**
 * The full path of the route that handled `req` (`/api/auth/login`), or `unmatched`, for metrics.
 * Read once the response is finished, `req.baseUrl` has often been reset already (an error leaving a
 * mounted router restores it), so the path is taken at the moment express records the matched route.
 */
export function routeLabel(req: Request): () => string {
  let matched: Request['route'];
  let label = 'unmatched';
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => matched,
    set: (route: Request['route']) => {
      matched = route;
      if (route?.path) label = `${req.baseUrl}${String(route.path)}`;
    },
  });
  return () => label;
}
