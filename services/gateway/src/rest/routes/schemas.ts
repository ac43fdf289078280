// JSON Schemas shared by the routes: request validation, response serialization and the OpenAPI document come
// from the same place. The named ones are added to the app (`app.addSchema`) and referenced as `{ $ref: 'Name#' }`:
// they become `components.schemas.Name` in the document, so generated clients get one type per name. Every
// response property is `required` (the JSON mappers in ../json.ts always send every field, null when unset);
// fast-json-stringify refuses to send an answer that lacks one, so the document cannot promise what is not sent.

export const ref = (id: string) => ({ $ref: `${id}#` }) as const;
export const nullableRef = (id: string) => ({ anyOf: [ref(id), { type: 'null' }] }) as const;

export const nullableString = { type: ['string', 'null'] } as const;
export const nullableNumber = { type: ['number', 'null'] } as const;
export const timestamp = { type: ['string', 'null'], format: 'date-time', description: 'UTC ISO-8601 with Z; null when there is none' } as const;
export const instant = { type: 'string', format: 'date-time', description: 'UTC ISO-8601 with Z' } as const;

/** An object whose every listed property is always sent. */
function record(description: string, properties: Record<string, unknown>) {
  return { type: 'object', description, additionalProperties: false, required: Object.keys(properties), properties } as const;
}

/** A request body of exactly these fields, every one required. */
export const requiredFields = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties }) as const;

const enumOf = (id: string, description: string, values: readonly string[]) => ({ $id: id, type: 'string', description, enum: [...values] });

export const hrvFields = {
  hrv_current: { ...nullableNumber, description: 'the latest HRV reading in ms; null without one' },
  hrv_metric: nullableRef('HrvMetric'),
  hrv_measured_at: timestamp,
  hrv_baseline_mean: { ...nullableNumber, description: 'mean of the same metric over the 7 days before the reading; null below the minimum data' },
  hrv_baseline_std_dev: nullableNumber,
} as const;

/** The named schemas every mode serves (development mode adds its own, routes/dev.ts). */
export const sharedSchemas = [
  {
    $id: 'ErrorDetail',
    type: 'object',
    description: 'One detail of an error: the field and problem of an invalid request, or a service that is not serving (and its status).',
    additionalProperties: false,
    properties: { field: { type: 'string' }, problem: { type: 'string' }, service: { type: 'string' }, status: { type: 'string' } },
  },
  {
    $id: 'ApiError',
    ...record(
      'What went wrong. `code` is stable and machine-readable (e.g. missing_token, invalid_token, expired_token, invalid_request, ' +
        'user_not_registered, registration_in_progress, no_pending_brake, reflection_not_open, rate_limited, payload_too_large, ' +
        'unsupported_media_type, dependency_unavailable, internal); new codes may be added, so treat an unknown one by its status. ' +
        '`message` is for people and may change.',
      { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: ref('ErrorDetail') } },
    ),
  },
  { $id: 'ErrorEnvelope', ...record('Every error answer of the API.', { error: ref('ApiError') }) },
  enumOf('Phase', 'The phase of the 7-day cycle: Days 1-2, 3-5, 6 and 7.', ['Total Silence', 'Intervention Logic', 'Preparation', 'Reflection']),
  enumOf('BrakeReason', 'Why the brake does not show now.', [
    'silence_phase',
    'no_baseline',
    'stale_hrv',
    'hrv_normal',
    'no_high_stakes_event',
    'cooling',
    'locked_for_event',
    'preparation_phase',
    'reflection_phase',
  ]),
  enumOf('HrvMetric', 'How an HRV value was computed: SDNN (Apple HealthKit) or RMSSD (WHOOP); never mixed.', ['sdnn', 'rmssd']),
  enumOf('HrvSource', 'Where an HRV sample came from.', ['healthkit', 'whoop', 'mock']),
  enumOf('DecisionType', 'The answer to the brake.', ['Proceed', 'Delay']),
  enumOf('ReflectionResponse', 'The answer to “In the past 7 days, did pausing help?”.', ['Yes', 'No', 'Skip']),
  enumOf('PromptKind', 'What the app should show: nothing, the brake or the reflection.', ['none', 'brake', 'reflection']),
  enumOf('Provider', 'A data provider the user can connect (microsoft: Microsoft 365 calendars).', ['whoop', 'google-calendar', 'microsoft']),
  enumOf('ConnectionStatus', 'Whether a provider connection still syncs (reauth_required: connect again).', ['active', 'reauth_required']),
  enumOf('DevicePlatform', 'APNs (ios) or FCM (android).', ['ios', 'android']),
  enumOf('PushEnvironment', 'The APNs environment of an iOS token; always production on Android.', ['sandbox', 'production']),
  enumOf('PushKind', 'What a push asks of the person: the brake, the reflection, or a fresh HRV reading.', ['brake', 'reflection', 'reading']),
  enumOf('PushStatus', 'Where one push to one device stands.', ['pending', 'sent', 'device_gone', 'expired', 'cancelled', 'dead']),
  {
    $id: 'Event',
    ...record('A high-stakes calendar event.', { id: { type: 'string' }, title: { type: 'string' }, starts_at: timestamp, ends_at: timestamp }),
  },
  { $id: 'PromptEvent', ...record('The event a prompt is about (never its title).', { id: { type: 'string' }, starts_at: timestamp, ends_at: timestamp }) },
  {
    $id: 'Prompt',
    ...record('What the app should show now: the prompt of the user’s last transition.', {
      kind: nullableRef('PromptKind'),
      event: nullableRef('PromptEvent'),
      expires_at: timestamp,
      cycle_day: { type: 'integer' },
      sequence: { type: 'integer', description: 'increases with every transition of the user' },
    }),
  },
  {
    $id: 'BrakeCheck',
    ...record('Whether the brake shows now, and why not when it does not.', {
      should_display: { type: 'boolean' },
      event_id: { ...nullableString, description: 'the event the brake is about (same as event.id)' },
      event: nullableRef('Event'),
      reason: nullableRef('BrakeReason'),
      current_day: { type: 'integer', minimum: 1, maximum: 7 },
      phase: nullableRef('Phase'),
      ...hrvFields,
      cooling_until: timestamp,
      decision_locked: { type: 'boolean' },
      timestamp,
    }),
  },
  {
    $id: 'State',
    ...record('The caller’s cycle, cooling, locks, reflection window, latest HRV and prompt now.', {
      current_day: { type: 'integer', minimum: 1, maximum: 7 },
      phase: nullableRef('Phase'),
      timezone: { type: 'string', description: 'IANA time zone the days are counted in' },
      cycle_start: timestamp,
      next_cycle_start: timestamp,
      cooling_period_active: { type: 'boolean' },
      cooling_until: timestamp,
      locked_event_ids: { type: 'array', items: { type: 'string' } },
      pending_brake_event: nullableRef('Event'),
      should_display_reflection: { type: 'boolean' },
      reflection_opens_at: timestamp,
      reflection_answered: { type: 'boolean' },
      ...hrvFields,
      upcoming_events: { type: 'array', items: ref('Event') },
      prompt: nullableRef('Prompt'),
      timestamp,
    }),
  },
  {
    $id: 'DecisionRecorded',
    ...record('A recorded answer to the brake.', {
      status: { type: 'string', enum: ['decision_recorded'] },
      decision_id: { type: 'string' },
      decision_type: ref('DecisionType'),
      timestamp,
      day: { type: 'integer', minimum: 1, maximum: 7 },
      next_action: { type: 'string', enum: ['cooling_period_activated', 'decision_locked'] },
      re_trigger_time: { ...timestamp, description: 'Delay: when the cooling period ends (null after Proceed)' },
    }),
  },
  {
    $id: 'CycleReset',
    ...record('The next cycle a reflection starts.', {
      status: { type: 'string', enum: ['cycle_reset'] },
      new_cycle_start: timestamp,
      current_day: { type: 'integer' },
    }),
  },
  {
    $id: 'ReflectionRecorded',
    ...record('A recorded reflection.', {
      status: { type: 'string', enum: ['reflection_recorded'] },
      reflection_id: { type: 'string' },
      response: ref('ReflectionResponse'),
      timestamp,
      cycle_reset: ref('CycleReset'),
    }),
  },
  {
    $id: 'Decision',
    ...record('One logged decision: only its time, answer and cycle day.', {
      decision_id: { type: 'string' },
      timestamp,
      decision_type: ref('DecisionType'),
      day: { type: 'integer', minimum: 1, maximum: 7 },
    }),
  },
  {
    $id: 'Reflection',
    ...record('One logged reflection: only its time, answer and cycle start.', {
      reflection_id: { type: 'string' },
      timestamp,
      response: ref('ReflectionResponse'),
      cycle_start: timestamp,
    }),
  },
  {
    $id: 'DecisionPage',
    ...record('Decisions, newest first.', {
      decisions: { type: 'array', items: ref('Decision') },
      next_page_token: { ...nullableString, description: 'pass as page_token for the next page; null on the last' },
    }),
  },
  {
    $id: 'ReflectionPage',
    ...record('Reflections, newest first.', {
      reflections: { type: 'array', items: ref('Reflection') },
      next_page_token: { ...nullableString, description: 'pass as page_token for the next page; null on the last' },
    }),
  },
  {
    $id: 'User',
    ...record('The caller’s profile.', { user_id: { type: 'string', description: 'the token’s subject' }, email: { type: 'string' }, timezone: { type: 'string' } }),
  },
  {
    $id: 'UserRegistered',
    ...record('The caller’s profile as stored (the timezone in its canonical spelling).', {
      user_id: { type: 'string' },
      email: { type: 'string' },
      timezone: { type: 'string' },
      created: { type: 'boolean', description: 'true on the first registration (201), false on an update (200)' },
    }),
  },
  {
    $id: 'ErasureAccepted',
    ...record('The erasure was accepted; the services finish it asynchronously.', {
      status: { type: 'string', enum: ['erasure_accepted'] },
      deleted: { type: 'boolean', description: 'true when a profile existed' },
    }),
  },
  {
    $id: 'Device',
    ...record('A phone registered for pushes.', {
      id: { type: 'string', description: 'a UUID' },
      platform: ref('DevicePlatform'),
      environment: ref('PushEnvironment'),
      token: { type: 'string' },
      registered_at: timestamp,
      updated_at: timestamp,
    }),
  },
  {
    $id: 'PushDelivery',
    ...record('One push of one prompt transition to one phone (no title, no HRV value).', {
      id: { type: 'string', description: 'a UUID' },
      transition_id: { type: 'string', description: 'the prompt transition it announces' },
      device_id: { type: 'string' },
      kind: ref('PushKind'),
      event_id: { ...nullableString, description: 'the high-stakes event (brake, reading request); null otherwise' },
      status: ref('PushStatus'),
      attempts: { type: 'integer', minimum: 0 },
      created_at: instant,
      finished_at: timestamp,
      expires_at: instant,
      last_error: { ...nullableString, description: 'the last failure as a status and reason code, e.g. "apns 500"; never a token' },
    }),
  },
  { $id: 'DeviceList', ...record('The caller’s phones, oldest registration first.', { devices: { type: 'array', items: ref('Device') } }) },
  {
    $id: 'SampleResult',
    ...record('What happened to one uploaded sample.', {
      uuid: { type: 'string' },
      outcome: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
      reason: { ...nullableString, description: 'why it was rejected (e.g. value_out_of_range); null otherwise' },
    }),
  },
  { $id: 'SampleResults', ...record('One result per uploaded sample, in upload order.', { results: { type: 'array', items: ref('SampleResult') } }) },
  { $id: 'ProviderAuthorization', ...record('Where to send the user to grant access.', { authorization_url: { type: 'string', format: 'uri' } }) },
  {
    $id: 'ProviderConnected',
    ...record('A provider connection made.', { status: { type: 'string', enum: ['connected'] }, provider: ref('Provider'), connected_at: timestamp }),
  },
  { $id: 'ProviderDisconnected', ...record('A provider disconnected.', { disconnected: { type: 'boolean', description: 'false when it was not connected' } }) },
  {
    $id: 'Connection',
    ...record('A provider connection (never its tokens).', { provider: nullableRef('Provider'), status: ref('ConnectionStatus'), connected_at: timestamp, last_synced_at: timestamp }),
  },
  {
    $id: 'ConnectionList',
    ...record('The caller’s provider connections; reauth_required ones no longer sync until the caller connects again.', { connections: { type: 'array', items: ref('Connection') } }),
  },
  {
    $id: 'HrvSample',
    ...record('A stored HRV sample.', { sample_id: { type: 'string' }, metric: nullableRef('HrvMetric'), source: nullableRef('HrvSource'), value_ms: { type: 'number' }, measured_at: timestamp }),
  },
  {
    $id: 'ExportedLog',
    ...record('The decision log’s records of the caller, newest first.', { decisions: { type: 'array', items: ref('Decision') }, reflections: { type: 'array', items: ref('Reflection') } }),
  },
  {
    $id: 'ExportedIntegrations',
    ...record('What the integrations service holds about the caller.', {
      connections: { type: 'array', items: ref('Connection') },
      hrv_samples: { type: 'array', items: ref('HrvSample') },
      events: { type: 'array', items: ref('Event') },
      devices: { type: 'array', items: ref('Device') },
      push_deliveries: { type: 'array', items: ref('PushDelivery'), description: 'the pushes sent or planned to the caller’s phones, oldest first' },
    }),
  },
  {
    $id: 'Export',
    ...record('Everything every service holds about the caller, in the vocabulary of the other answers.', {
      user: ref('User'),
      state: { ...nullableRef('State'), description: 'null while the state engine does not know the caller yet' },
      log: ref('ExportedLog'),
      integrations: ref('ExportedIntegrations'),
    }),
  },
  {
    $id: 'HealthReport',
    ...record('The gateway and every service behind it.', {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      timestamp: instant,
      services: {
        type: 'object',
        description: 'each part’s grpc.health.v1 status (UNREACHABLE: it did not answer)',
        additionalProperties: { type: 'string', enum: ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'SERVICE_UNKNOWN', 'UNREACHABLE'] },
      },
    }),
  },
  {
    $id: 'HealthFailure',
    type: 'object',
    description: 'A degraded health check: the error envelope (the parts not serving as its details) with the report beside it (absent while the gateway is shutting down).',
    additionalProperties: false,
    required: ['error'],
    properties: {
      error: ref('ApiError'),
      status: { type: 'string', enum: ['degraded'] },
      timestamp: instant,
      services: { type: 'object', additionalProperties: { type: 'string', enum: ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'SERVICE_UNKNOWN', 'UNREACHABLE'] } },
    },
  },
];

export const idempotencyHeader = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description:
        'Makes a retry safe (e.g. a UUID per tap). A request repeated with the same key answers what the first answered and records nothing more; ' +
        'the same key with a different body is refused (422 idempotency_key_reused). Keys are per user and remembered for ' +
        'IDEMPOTENCY_RETENTION_HOURS (48 by default); without a key a retry may record twice.',
    },
  },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    page_size: { type: 'integer', minimum: 1, maximum: 1000, description: 'entries per page (the service’s default when absent)' },
    page_token: { type: 'string', maxLength: 512, description: 'next_page_token of the previous page' },
  },
} as const;

/** The `{provider}` path parameter of the provider routes. */
export const providerParam = {
  type: 'object',
  required: ['provider'],
  properties: { provider: ref('Provider') },
} as const;
