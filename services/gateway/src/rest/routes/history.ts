import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { ListDecisionHistoryRequestSchema, ListReflectionHistoryRequestSchema } from '@omtobe/proto/gateway/v1';
import { listDecisionHistory, listReflectionHistory } from '../../operations/history.ts';
import type { RestOptions } from '../app.ts';
import { decisionEntryJson, reflectionEntryJson } from '../json.ts';
import { commonErrors, pageQuery, timestamp } from './schemas.ts';

type PageQuery = { page_size?: number; page_token?: string };

const page = (key: string, item: object) => ({
  type: 'object',
  properties: { [key]: { type: 'array', items: item }, next_page_token: { type: ['string', 'null'] } },
});

/** The caller's decisions and reflections, newest first, in cursor pages. */
export function historyRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.get<{ Querystring: PageQuery }>(
    '/api/v1/decisions/history',
    {
      schema: {
        summary: 'The caller’s decisions, newest first',
        querystring: pageQuery,
        response: {
          200: page('decisions', {
            type: 'object',
            properties: { decision_id: { type: 'string' }, timestamp, decision_type: { type: 'string' }, day: { type: 'integer' } },
          }),
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const req = create(ListDecisionHistoryRequestSchema, { pageSize: request.query.page_size ?? 0, pageToken: request.query.page_token ?? '' });
      const { page: result } = await listDecisionHistory(deps, { userId: request.userId, signal: request.hangUp }, req);
      return { decisions: result!.decisions.map(decisionEntryJson), next_page_token: result!.nextPageToken || null };
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/api/v1/reflections/history',
    {
      schema: {
        summary: 'The caller’s reflections, newest first',
        querystring: pageQuery,
        response: {
          200: page('reflections', {
            type: 'object',
            properties: { reflection_id: { type: 'string' }, timestamp, response: { type: 'string' }, cycle_start: timestamp },
          }),
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const req = create(ListReflectionHistoryRequestSchema, { pageSize: request.query.page_size ?? 0, pageToken: request.query.page_token ?? '' });
      const { page: result } = await listReflectionHistory(deps, { userId: request.userId, signal: request.hangUp }, req);
      return { reflections: result!.reflections.map(reflectionEntryJson), next_page_token: result!.nextPageToken || null };
    },
  );
}
