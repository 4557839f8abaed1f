import Router from '@koa/router';
import { databaseReachable } from '../store/database/connection.ts';

export function healthRoutes(): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await databaseReachable();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'database unreachable' };
  });
  return router;
}
