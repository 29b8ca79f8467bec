import express, { Router } from 'express';
import { fileURLToPath } from 'node:url';

const PAGE_DIR = fileURLToPath(new URL('../public/audit/', import.meta.url));

/** The auditors' page: `/audit` and its same-origin script and style (no inline code, under the app's CSP). */
export function auditPageRoutes(): Router {
  const router = Router();
  router.get('/audit', (_req, res) => { res.sendFile('index.html', { root: PAGE_DIR }); });
  router.use('/audit', express.static(PAGE_DIR, { index: false, fallthrough: true }));
  return router;
}
