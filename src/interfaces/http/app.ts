import express, { type Express } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { pinoHttp } from 'pino-http';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { randomUUID } from 'node:crypto';
import type { Services } from '../../infrastructure/compositionRoot.js';
import './request.js';
import { authenticate } from './auth.middleware.js';
import { errorHandler, notFoundRoute, sendProblem } from './problem.js';
import { idempotency } from './idempotency.js';
import { routeLabel } from './routeLabel.js';
import { opsRoutes } from './ops.routes.js';
import { paymentsRoutes, razorpaySimulatorRoutes } from './payments/payments.routes.js';
import { refundAdminRoutes } from './payments/refundAdmin.routes.js';
import { walletRoutes } from './wallet/wallet.routes.js';
import { doctorsRoutes } from './scheduling/doctors.routes.js';
import { doctorCalendarRoutes } from './scheduling/doctorCalendar.routes.js';
import { appointmentsRoutes } from './appointments/appointments.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { parkedEventsRoutes } from './audit/parkedEvents.routes.js';
import { caseFileRoutes } from './audit/caseFile.routes.js';
import { accessLogRoutes } from './audit/accessLog.routes.js';
import { auditPageRoutes } from './audit/auditPage.routes.js';
import { ledgerRoutes } from './audit/ledger.routes.js';
import { identityRouter } from './identity/identity.router.js';
import { personalDataRoutes } from './identity/personalData.routes.js';
import { consultationsRoutes } from './consultations.routes.js';
import { reportsRoutes } from './reports/reports.routes.js';
import { webhooksRoutes } from './integrations/webhooks.routes.js';

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,100}$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Rate limiting answers in the same problem+json shape as every other error. `store` unset: counts in
 * this process's memory (one instance); the production profile passes a store all instances share.
 */
export function limiter(perMinute: number, keyPrefix: string, store?: Store) {
  return rateLimit({
    store,
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // ipKeyGenerator groups IPv6 addresses by /56 so one host cannot dodge the limit by rotating addresses.
    keyGenerator: (req) => `${keyPrefix}:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: (_req, res) => sendProblem(res, 429, 'rate_limited', 'Too many requests; slow down and retry later.'),
  });
}

export function createHttpApp(services: Services): Express {
  const { config } = services;
  const app = express();
  app.disable('x-powered-by');
  // Which hops' X-Forwarded-For to believe, so req.ip (rate limits, logs) is the client behind the balancer.
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.set('X-Request-Id', id);
    (req as { id?: string }).id = id;
    const end = services.metrics.httpDuration.startTimer({ method: req.method });
    const route = routeLabel(req);
    res.on('finish', () => end({ route: route(), status: res.statusCode }));
    next();
  });
  app.use(pinoHttp({
    logger: services.log,
    genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    // One short line per request: its id, method, URL and status; headers stay out (the id finds the rest).
    serializers: {
      // A `token` in the query is a credential (calendar feed, demo call page): logs keep its place, not its value.
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]') }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }));
  app.use(helmet({
    contentSecurityPolicy: {
      directives: {
        // Swagger UI and the consultation demo page load only script files from our own origin.
        'script-src': ["'self'"],
        'connect-src': ["'self'", 'ws:', 'wss:'],
        'media-src': ["'self'", 'blob:'],
        'img-src': ["'self'", 'data:', 'blob:', 'https:'],
      },
    },
  }));
  app.use(cors({ origin: config.CORS_ORIGINS, credentials: false, exposedHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'Retry-After'] }));
  app.use(opsRoutes(services));
  app.use('/api', limiter(config.RATE_LIMIT_PER_MINUTE, 'global', services.rateLimitStore()));
  app.use(express.json({
    limit: '100kb',
    // Only methods whose routes read a body parse one: a body sent with a GET or DELETE has no meaning
    // here and is ignored rather than refused.
    type: (req) => BODY_METHODS.has(req.method ?? '') && Boolean((req as express.Request).is('application/json')),
    verify: (req, _res, buf) => { (req as express.Request).rawBody = buf; },
  }));
  app.use((req, _res, next) => { req.valid = {}; next(); });
  app.use(authenticate(services.authenticate));
  app.use(idempotency(services.idempotency, services.clock));

  // ---- routers: each context mounts its router below ----
  app.use(identityRouter(services));
  app.use(personalDataRoutes(services));
  app.use(doctorCalendarRoutes(services));
  app.use(doctorsRoutes(services));
  app.use(appointmentsRoutes(services));
  app.use(paymentsRoutes(services));
  app.use(razorpaySimulatorRoutes(services));
  app.use(refundAdminRoutes(services));
  app.use(walletRoutes(services));
  app.use(auditRoutes(services));
  app.use(parkedEventsRoutes(services));
  app.use(caseFileRoutes(services));
  app.use(accessLogRoutes(services));
  app.use(auditPageRoutes());
  app.use(ledgerRoutes(services));
  app.use(reportsRoutes(services));
  app.use(webhooksRoutes(services));

  app.use(consultationsRoutes(services.consultations));
  // ---- end of routers ----

  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}
