import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import { ListDecisionHistoryRequestSchema, ListReflectionHistoryRequestSchema } from '@omtobe/proto/gateway/v1';
import { listDecisionHistory, listReflectionHistory } from '../../operations/history.ts';
import { decisionEntryJson, reflectionEntryJson } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated } from './responses.ts';
import { pageQuery, ref } from './schemas.ts';

type PageQuery = { page_size?: number; page_token?: string };
const pageRequest = (query: PageQuery) => ({ pageSize: query.page_size ?? 0, pageToken: query.page_token ?? '' });

const errors = { ...authenticated, 400: true, 404: true, 422: 'invalid_page_token: page_token is not a token this list returned.' } as const;
const erased = 'An unknown or erased caller is 404 user_not_registered (not an empty page), from the moment DELETE /api/v1/me answers.';

/** The caller's decisions and reflections, newest first, in cursor pages. */
export function historyRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.get<{ Querystring: PageQuery }>(
    '/api/v1/decisions/history',
    {
      schema: {
        operationId: 'listDecisionHistory',
        tags: ['history'],
        summary: 'The caller’s decisions, newest first',
        description: `Cursor pages of the decision log. A decision appears once the decision log has recorded it (normally within a second of POST /api/v1/decisions). ${erased}`,
        querystring: pageQuery,
        response: answers({ success: { 200: ref('DecisionPage') }, errors }),
      },
    },
    async (request) => {
      const { page } = await listDecisionHistory(deps, callerOf(request), create(ListDecisionHistoryRequestSchema, pageRequest(request.query)));
      return { decisions: page!.decisions.map(decisionEntryJson), next_page_token: page!.nextPageToken || null };
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/api/v1/reflections/history',
    {
      schema: {
        operationId: 'listReflectionHistory',
        tags: ['history'],
        summary: 'The caller’s reflections, newest first',
        description: `Cursor pages of the reflection log, as for decisions. ${erased}`,
        querystring: pageQuery,
        response: answers({ success: { 200: ref('ReflectionPage') }, errors }),
      },
    },
    async (request) => {
      const { page } = await listReflectionHistory(deps, callerOf(request), create(ListReflectionHistoryRequestSchema, pageRequest(request.query)));
      return { reflections: page!.reflections.map(reflectionEntryJson), next_page_token: page!.nextPageToken || null };
    },
  );
}
