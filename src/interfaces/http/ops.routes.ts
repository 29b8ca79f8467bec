import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Services } from '../../infrastructure/compositionRoot.js';
import { z } from 'zod';
import { anyObject, documentRoute, openApiDocument } from './openapi.js';
import { sendProblem } from './problem.js';

/** Projections further behind than this make the instance not ready. */
const READY_MAX_LAG_EVENTS = 1000;

const healthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const readySchema = z.object({
  status: z.literal('ready'), profile: z.enum(['embedded', 'production']),
  lag: anyObject.describe('Events each projection is behind the store (counted, never a difference of positions)'),
  lagSeconds: anyObject.describe('Age in seconds of the oldest event each projection has yet to apply'),
}).openapi('Readiness');

function documentOperations(): void {
  const common = { tags: ['Operations'], operational: true };
  documentRoute({ ...common, method: 'get', path: '/healthz', operationId: 'getHealth', summary: 'Liveness: the process answers', responses: { 200: healthSchema } });
  documentRoute({
    ...common, method: 'get', path: '/readyz', operationId: 'getReadiness',
    summary: 'Readiness: stores reachable, projections caught up and not failing (503 problem with `lag` and `failing` otherwise)',
    responses: { 200: readySchema }, errors: [503],
  });
  documentRoute({ ...common, method: 'get', path: '/metrics', operationId: 'getMetrics', summary: 'Prometheus metrics (text exposition format)', responses: { 200: null }, files: ['text/plain'] });
}

export function opsRoutes(services: Services): Router {
  documentOperations();
  const router = Router();
  router.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });

  router.get('/readyz', async (_req, res) => {
    try {
      await services.reads.ping();
      await services.events.headPosition();
      const backlog = await services.projections.backlog();
      const lag = Object.fromEntries(Object.entries(backlog).map(([name, b]) => [name, b.events]));
      const lagSeconds = Object.fromEntries(Object.entries(backlog).map(([name, b]) => [name, b.seconds]));
      const behind = Object.entries(lag).filter(([, n]) => n > READY_MAX_LAG_EVENTS);
      const failing = services.projections.status().filter((p) => p.lastError).map((p) => p.name);
      if (behind.length > 0 || failing.length > 0) {
        return sendProblem(res, 503, 'not_ready', 'Projections are behind or failing.', { lag, lagSeconds, failing });
      }
      res.json({ status: 'ready', profile: services.config.profile, lag, lagSeconds });
    } catch (error) {
      services.log.warn({ err: error }, 'readiness check failed');
      sendProblem(res, 503, 'not_ready', 'A store is not reachable.');
    }
  });

  router.get('/metrics', async (_req, res) => {
    for (const [projection, b] of Object.entries(await services.projections.backlog())) {
      services.metrics.projectionLagEvents.set({ projection }, b.events);
      services.metrics.projectionBacklogSeconds.set({ projection }, b.seconds);
    }
    for (const [reactor, n] of Object.entries(await services.reactors.parkedCounts())) {
      services.metrics.reactorParkedEvents.set({ reactor }, n);
    }
    res.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });

  router.get('/api-docs.json', (_req, res) => { res.json(openApiDocument()); });
  const ui = { swaggerUrl: '/api-docs.json', customSiteTitle: 'HealthVision API' };
  // The page answers at `/api-docs` itself rather than redirecting to `/api-docs/`; the base element
  // makes its relative asset links resolve under `/api-docs/` either way.
  const page = swaggerUi.generateHTML(undefined, ui).replace('<head>', '<head>\n  <base href="/api-docs/">');
  router.get('/api-docs', (_req, res) => { res.type('html').send(page); });
  router.use('/api-docs', swaggerUi.serveFiles(undefined, ui));
  return router;
}
