// JSON Schemas shared by the routes: request validation and the OpenAPI document come from the same place.

export const nullableString = { type: ['string', 'null'] } as const;
export const nullableNumber = { type: ['number', 'null'] } as const;
export const timestamp = { type: ['string', 'null'], format: 'date-time', description: 'UTC ISO-8601 with Z' } as const;

export const errorEnvelope = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: {} } },
      required: ['code', 'message', 'details'],
    },
  },
  required: ['error'],
} as const;

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: errorEnvelope,
  401: errorEnvelope,
  404: errorEnvelope,
  409: errorEnvelope,
  422: errorEnvelope,
  429: errorEnvelope,
  503: errorEnvelope,
} as const;

export const event = {
  type: ['object', 'null'],
  properties: { id: { type: 'string' }, title: { type: 'string' }, starts_at: timestamp, ends_at: timestamp },
} as const;

export const hrvFields = {
  hrv_current: nullableNumber,
  hrv_metric: nullableString,
  hrv_measured_at: timestamp,
  hrv_baseline_mean: nullableNumber,
  hrv_baseline_std_dev: nullableNumber,
} as const;

export const idempotencyHeader = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    page_size: { type: 'integer', minimum: 1, maximum: 1000 },
    page_token: { type: 'string', maxLength: 512 },
  },
} as const;

export const promptEvent = {
  type: ['object', 'null'],
  properties: { id: { type: 'string' }, starts_at: timestamp, ends_at: timestamp },
} as const;

/** What the app should show now: GET /state's `prompt`, and a stream transition's. */
export const prompt = {
  type: ['object', 'null'],
  properties: {
    kind: { type: ['string', 'null'], enum: ['none', 'brake', 'reflection', null] },
    event: promptEvent,
    expires_at: timestamp,
    cycle_day: { type: 'integer' },
    sequence: { type: 'integer' },
  },
} as const;

export const device = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    platform: { type: 'string', enum: ['ios', 'android'] },
    environment: { type: 'string', enum: ['sandbox', 'production'] },
    token: { type: 'string' },
    registered_at: timestamp,
    updated_at: timestamp,
  },
} as const;
