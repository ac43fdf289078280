// The development console: one person's week at a glance, driven live. A client like the app: the public API
// and the /api/v1/dev controls with a development token, the live state stream for what changes. Nothing is
// stored in the browser but the ids of the people opened here (localStorage), never a token or a title.
import uPlot from './vendor/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
const minute = 60_000;
const day = 24 * 60 * minute;
/** State engine's HRV_FRESHNESS_MINUTES default; the API does not say the configured value. */
const freshnessMinutes = 60;
const knownUsersKey = 'omtobe.console.users';

const phases = [
  { days: [1, 2], name: 'Total Silence', css: 'phase-silence' },
  { days: [3, 4, 5], name: 'Intervention Logic', css: 'phase-intervention' },
  { days: [6], name: 'Preparation', css: 'phase-preparation' },
  { days: [7], name: 'Reflection', css: 'phase-reflection' },
];
const phaseOf = (d) => phases.find((p) => p.days.includes(d)) ?? phases[0];

const session = { userId: '', token: '', tz: 'UTC', streamAbort: null };
let view = emptyView();
/** The system's (development) clock: the gateway's "now" when last asked, against the page's monotonic clock. */
const clock = { devAtFetch: Date.now(), perfAtFetch: performance.now(), offsetMinutes: 0 };
const devNow = () => new Date(clock.devAtFetch + (performance.now() - clock.perfAtFetch));

function emptyView() {
  return { state: null, check: null, exportDoc: null, decisions: [], reflections: [], devices: [], prompt: null, transitions: [] };
}

// ---------------------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? '';
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

async function mintToken(userId) {
  const reply = await api('POST', '/dev/token', { user_id: userId }, {}, { anonymous: true });
  return reply.access_token;
}

/**
 * One call, JSON both ways. Like the app: a 503 registration_in_progress (right after POST /users) is retried
 * after its Retry-After, and an expired development token is minted again once.
 */
async function api(method, path, body, headers = {}, { anonymous = false } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(!anonymous && session.token ? { authorization: `Bearer ${session.token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : {};
    if (response.ok) return json;
    const error = new ApiError(response.status, json.error);
    if (attempt < 20 && response.status === 503 && error.code === 'registration_in_progress') {
      await sleep(250 * Number(response.headers.get('retry-after') ?? 1));
    } else if (attempt === 1 && response.status === 401 && !anonymous && session.userId) {
      session.token = await mintToken(session.userId);
    } else {
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Time in the person's zone

const formatter = (options) => new Intl.DateTimeFormat('en-GB', { timeZone: session.tz, ...options });
const hhmm = (at) => (at ? formatter({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at)) : '');
const dayAndTime = (at) => (at ? formatter({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at)) : '');
const shortDate = (at) => formatter({ weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(at));
/** The local calendar date, YYYY-MM-DD. */
const localDate = (at) => new Intl.DateTimeFormat('en-CA', { timeZone: session.tz }).format(new Date(at));
const daysBetween = (from, to) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / day);
/** How far into its local day an instant is, 0–1 (by the wall clock, so a DST day still spans the track). */
function fractionOfDay(at) {
  const parts = formatter({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const get = (type) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (get('hour') * 60 + get('minute')) / 1440;
}
/** The cycle day (1-based, may fall outside 1–7) of an instant. */
const cycleDayOf = (at) => daysBetween(localDate(view.state.cycle_start), localDate(at)) + 1;
const countdown = (ms) => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

// ---------------------------------------------------------------------------------------------------------
// Loading

/** Everything the page shows, read again; concurrent asks are folded into one more round. */
let loading = null;
let loadAgain = false;
function refresh() {
  if (loading) {
    loadAgain = true;
    return loading;
  }
  loading = (async () => {
    do {
      loadAgain = false;
      await load();
    } while (loadAgain);
  })().finally(() => (loading = null));
  return loading;
}

async function load() {
  const userId = session.userId;
  const [state, check, time, exportDoc, decisions, reflections, devices] = await Promise.all([
    api('GET', '/state'),
    // The brake's reason in words comes from the check; over its per-user limit the last answer stays.
    api('POST', '/state/check').catch((e) => (e.status === 429 ? view.check : Promise.reject(e))),
    api('GET', '/dev/time'),
    // The stored HRV samples, high-stakes events and push deliveries.
    api('GET', '/me/export'),
    api('GET', '/decisions/history'),
    api('GET', '/reflections/history'),
    api('GET', '/devices'),
  ]);
  if (userId !== session.userId) return; // switched person meanwhile
  clock.devAtFetch = Date.parse(time.now);
  clock.perfAtFetch = performance.now();
  clock.offsetMinutes = time.offset_minutes;
  view.state = state;
  view.check = check;
  view.exportDoc = exportDoc;
  view.decisions = decisions.decisions ?? [];
  view.reflections = reflections.reflections ?? [];
  view.devices = devices.devices ?? [];
  takePrompt(state.prompt);
  render();
}

/** Prompts arrive from GET /state and from the stream in any order: the highest sequence is the newest. */
function takePrompt(prompt) {
  if (!prompt) return;
  if (!view.prompt || prompt.sequence >= view.prompt.sequence) view.prompt = prompt;
}

// ---------------------------------------------------------------------------------------------------------
// The live stream: fetch, because EventSource cannot send the Authorization header (and tokens never go in URLs)

function setStream(state, text) {
  const el = $('stream-status');
  el.dataset.state = state;
  el.textContent = text;
}

async function runStream(signal) {
  let delay = 1000;
  while (!signal.aborted) {
    let retryMs;
    let refused = false;
    try {
      setStream('connecting', 'Live stream: connecting…');
      const response = await fetch('/api/v1/state/stream', { headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' }, signal });
      if (response.ok) {
        setStream('on', 'Live stream: on');
        delay = 1000;
        retryMs = await readEvents(response.body, signal);
      } else {
        const body = await response.json().catch(() => ({}));
        if (response.status === 401) session.token = await mintToken(session.userId);
        setStream('error', `Live stream refused: ${response.status} ${body.error?.code ?? ''}; polling meanwhile`);
        refused = true;
      }
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    if (!refused) setStream('reconnecting', 'Live stream: reconnecting (polling meanwhile)…');
    await sleep(retryMs ?? delay, signal);
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Reads Server-Sent Events until the server ends the response; answers its `retry:` hint, if any. */
async function readEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let retryMs;
  for (;;) {
    const { value, done } = await reader.read();
    if (done || signal.aborted) return retryMs;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        else if (line.startsWith('retry:')) retryMs = Number(line.slice(6));
      }
      if (data.length > 0) onStreamEvent(event, JSON.parse(data.join('\n')));
    }
  }
}

function onStreamEvent(event, data) {
  if (event === 'state') {
    view.state = data;
    takePrompt(data.prompt);
  } else if (event === 'transition') {
    view.transitions.unshift({ ...data, received_at: new Date().toISOString() });
    takePrompt(data.prompt);
  } else {
    return;
  }
  if (view.state) render();
  // Integrations plans its pushes from the same transition, a moment later: a second look lists them.
  if (event === 'transition' && pushingTransitions.has(data.kind) && view.devices.length > 0) setTimeout(() => refresh().catch(() => undefined), 2000);
  // The rest (the check's reason, samples, history) follows the transition.
  refresh().catch(showError($('sim-status')));
}

// ---------------------------------------------------------------------------------------------------------
// Rendering (textContent only: titles and ids are never parsed as HTML)

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'style') Object.assign(node.style, value);
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'title') node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Every high-stakes event the API gives (stored ones from the export, upcoming and pending from the state), by id. */
function events() {
  const byId = new Map();
  // The export names an event's id `id` (older gateways: `event_id`, the proto's name).
  for (const e of view.exportDoc?.integrations?.events ?? []) byId.set(e.id ?? e.event_id, { id: e.id ?? e.event_id, title: e.title, starts_at: e.starts_at, ends_at: e.ends_at });
  for (const e of view.state?.upcoming_events ?? []) byId.set(e.id, e);
  if (view.state?.pending_brake_event) byId.set(view.state.pending_brake_event.id, view.state.pending_brake_event);
  return [...byId.values()].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}
const titleOf = (id) => events().find((e) => e.id === id)?.title ?? 'a high-stakes meeting';
const isRunning = (e, now) => Date.parse(e.starts_at) <= now.getTime() && now.getTime() < Date.parse(e.ends_at);

function render() {
  renderClock();
  renderCycle();
  renderBrake();
  renderHrv();
  renderMeetings();
  renderPushes();
  renderHistory();
  renderFeed();
}

function renderClock() {
  const now = devNow();
  setText($('dev-now'), `${dayAndTime(now)} (${session.tz})`);
  setText($('dev-offset'), clock.offsetMinutes > 0 ? `· ${formatOffset(clock.offsetMinutes)} ahead of real time` : '· real time');
}
const formatOffset = (minutes) => {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = Math.round(minutes % 60);
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`].filter(Boolean).join(' ') || '0 min';
};

function renderCycle() {
  const s = view.state;
  const now = devNow();
  const today = cycleDayOf(now);
  setText($('cycle-summary'), `· Day ${s.current_day} of 7, ${s.phase ?? ''} · started ${shortDate(s.cycle_start)} · next cycle ${shortDate(s.next_cycle_start)}`);
  const list = $('timeline');
  list.replaceChildren();
  const startDate = localDate(s.cycle_start);
  for (let d = 1; d <= 7; d += 1) {
    const phase = phaseOf(d);
    const date = new Date(Date.parse(`${startDate}T12:00:00Z`) + (d - 1) * day);
    const track = el('div', { class: 'track' });
    if (d === 7 && s.reflection_opens_at) {
      const from = fractionOfDay(s.reflection_opens_at);
      track.append(el('span', { class: 'window', style: { left: `${from * 100}%`, width: `${(1 - from) * 100}%` }, title: `reflection window from ${hhmm(s.reflection_opens_at)}` }));
    }
    for (const e of events()) {
      if (cycleDayOf(e.starts_at) !== d) continue;
      const from = fractionOfDay(e.starts_at);
      const width = Math.min(1 - from, (Date.parse(e.ends_at) - Date.parse(e.starts_at)) / day);
      const running = isRunning(e, now);
      const label = `${e.title} ${hhmm(e.starts_at)}–${hhmm(e.ends_at)}${running ? ' (running)' : ''}`;
      track.append(
        el('span', { class: `meeting${running ? ' running' : ''}`, style: { left: `${from * 100}%`, width: `max(4px, ${width * 100}%)` }, title: label }),
        el('span', { class: 'sr-only' }, label),
      );
    }
    if (d === today) track.append(el('span', { class: 'now', style: { left: `${fractionOfDay(now) * 100}%` }, title: `now ${hhmm(now)}` }));
    const items = [el('span', { class: 'day-name' }, `Day ${d}`), el('span', { class: 'day-date' }, shortDate(date)), el('span', { class: 'day-phase' }, phase.name), track];
    if (d === today) items.push(el('span', { class: 'sr-only' }, `today, now ${hhmm(now)}`));
    list.append(el('li', { class: `day ${phase.css}${d === today ? ' today' : ''}`, ...(d === today ? { 'aria-current': 'date' } : {}) }, ...items));
  }
}

const reasonWords = {
  silence_phase: () => 'Total Silence (Days 1–2): the brake never shows',
  preparation_phase: () => 'Day 6 is Preparation: the brake never shows',
  reflection_phase: () => 'Day 7 is Reflection: the brake never shows',
  cooling: (c) => `cooling until ${hhmm(c.cooling_until)} after a Delay`,
  no_high_stakes_event: () => 'no high-stakes meeting is running',
  locked_for_event: () => 'Proceed was chosen for the running meeting',
  stale_hrv: () => `the latest HRV reading is stale (older than ${freshnessMinutes} min) or missing`,
  no_baseline: () => 'no baseline yet (too few readings of this metric)',
  hrv_normal: (c) => `HRV normal (${c.hrv_current} ms, above the threshold ${threshold(c.hrv_baseline_mean)} ms)`,
};
const threshold = (mean) => (mean ? (0.8 * mean).toFixed(1) : '–');

function renderBrake() {
  const s = view.state;
  const c = view.check;
  const p = view.prompt;
  const now = devNow();
  let status = '';
  // The prompt may be a transition's, ahead of the state's numbers: the sentence names none.
  if (p?.kind === 'brake') status = `Brake shown: ${titleOf(p.event?.id)} is running and the latest HRV reading is at or below 0.8 × the baseline mean.`;
  else if (p?.kind === 'reflection') status = `Reflection shown: Day 7 from ${hhmm(s.reflection_opens_at)} until answered or the day ends.`;
  else if (c?.should_display) status = 'Brake due now (the check says so; the prompt follows).';
  else if (c?.reason) status = `Brake not shown: ${reasonWords[c.reason]?.(c) ?? c.reason}.`;
  setText($('brake-status'), status);

  const brakeScreen = $('brake-screen');
  brakeScreen.hidden = p?.kind !== 'brake';
  if (p?.kind === 'brake') setText($('brake-event'), `${titleOf(p.event?.id)} · until ${hhmm(p.event?.ends_at)}`);
  $('reflection-screen').hidden = p?.kind !== 'reflection';

  const cooling = $('cooling-countdown');
  const until = s.cooling_until ? Date.parse(s.cooling_until) : 0;
  cooling.hidden = !(until > now.getTime());
  if (!cooling.hidden) setText(cooling, `Cooling: ${countdown(until - now.getTime())} left (until ${hhmm(s.cooling_until)}), then the question comes back if the conditions still hold.`);

  const locks = s.locked_event_ids ?? [];
  setText($('locks'), locks.length > 0 ? `Proceed chosen (no brake again) for: ${locks.map(titleOf).join(', ')}` : '');
}

// HRV: the stored samples per metric, with the engine's baseline for the latest sample's metric.
let chart = null;
// The export says `sdnn` / `rmssd` (older gateways: the proto's enum names).
const metricName = (m) => (String(m).toLowerCase().includes('rmssd') ? 'rmssd' : 'sdnn');

function renderHrv() {
  const s = view.state;
  const now = devNow();
  const samples = (view.exportDoc?.integrations?.hrv_samples ?? [])
    .map((x) => ({ t: Date.parse(x.measured_at) / 1000, v: x.value_ms, metric: metricName(x.metric) }))
    .sort((a, b) => a.t - b.t);
  const metrics = ['sdnn', 'rmssd'].filter((m) => samples.some((x) => x.metric === m));
  const mean = s.hrv_baseline_mean;
  const sd = s.hrv_baseline_std_dev ?? 0;
  const latestAt = s.hrv_measured_at ? Date.parse(s.hrv_measured_at) : null;
  const ageMinutes = latestAt === null ? null : Math.round((now.getTime() - latestAt) / minute);
  const fresh = ageMinutes !== null && ageMinutes <= freshnessMinutes && view.check?.reason !== 'stale_hrv';

  const summary = [];
  if (s.hrv_current === null || s.hrv_current === undefined) summary.push('No HRV reading yet.');
  else summary.push(`Latest ${s.hrv_current} ms ${s.hrv_metric?.toUpperCase() ?? ''} at ${dayAndTime(s.hrv_measured_at)}: ${fresh ? 'fresh' : 'stale'} (${ageMinutes} min old; the brake needs ≤ ${freshnessMinutes} min).`);
  if (mean) summary.push(`Baseline (the 7 days before it): mean ${mean.toFixed(1)} ms, SD ${sd.toFixed(1)} ms; brake threshold 0.8 × mean = ${threshold(mean)} ms.`);
  else summary.push('No baseline yet.');
  summary.push(`${samples.length} stored samples.`);
  const caption = $('hrv-summary');
  setText(caption, summary.join(' '));
  caption.dataset.freshness = fresh ? 'fresh' : 'stale';

  const container = $('hrv-chart');
  if (samples.length === 0) {
    chart?.destroy();
    chart = null;
    return;
  }
  const xs = [...new Set([...samples.map((x) => x.t), Math.floor(now.getTime() / 1000)])].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const column = (fill) => xs.map(fill);
  const data = [xs];
  const series = [{}];
  const colors = { sdnn: '#2563eb', rmssd: '#7c3aed' };
  for (const m of metrics) {
    const values = column(() => null);
    for (const x of samples) if (x.metric === m) values[at.get(x.t)] = x.v;
    data.push(values);
    series.push({ label: m.toUpperCase(), stroke: colors[m], width: 1.5, spanGaps: true, points: { show: true, size: 5 }, value: (_u, v) => (v === null ? '–' : `${v} ms`) });
  }
  let bands = [];
  if (mean) {
    const line = (label, value, stroke, dash) => {
      data.push(column(() => value));
      series.push({ label, stroke, width: 1.5, dash, points: { show: false }, value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} ms`) });
    };
    line('baseline mean', mean, '#059669', [6, 4]);
    line('+1 SD', mean + sd, 'rgba(5,150,105,0.35)');
    line('−1 SD', mean - sd, 'rgba(5,150,105,0.35)');
    line('0.8 × mean', 0.8 * mean, '#dc2626', [3, 3]);
    bands = [{ series: [series.length - 3, series.length - 2], fill: 'rgba(5,150,105,0.12)' }];
  }
  if (latestAt !== null) {
    const latest = column(() => null);
    const i = xs.findIndex((x) => Math.abs(x - latestAt / 1000) < 1);
    if (i >= 0) latest[i] = s.hrv_current;
    data.push(latest);
    series.push({ label: fresh ? 'latest (fresh)' : 'latest (stale)', stroke: fresh ? '#111827' : '#9ca3af', width: 0, points: { show: true, size: 11, fill: fresh ? '#f59e0b' : '#e5e7eb' } });
  }
  const options = {
    width: Math.max(280, container.clientWidth),
    height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), session.tz),
    series,
    bands,
    scales: { x: { time: true } },
    axes: [{}, { label: 'ms', size: 50 }],
    legend: { live: false },
  };
  chart?.destroy();
  chart = new uPlot(options, data, container);
}

function renderMeetings() {
  const now = devNow();
  const list = $('meetings');
  const all = events();
  list.replaceChildren(
    ...all.map((e) => {
      const running = isRunning(e, now);
      const past = Date.parse(e.ends_at) <= now.getTime();
      const locked = (view.state.locked_event_ids ?? []).includes(e.id);
      return el(
        'li',
        { class: `${running ? 'running' : ''}${past ? ' past' : ''}`, 'data-id': e.id, ...(running ? { 'aria-current': 'true' } : {}) },
        el('strong', {}, e.title),
        ` · Day ${cycleDayOf(e.starts_at)}, ${dayAndTime(e.starts_at)}–${hhmm(e.ends_at)}`,
        running ? el('span', { class: 'badge' }, 'running now') : null,
        locked ? el('span', { class: 'badge muted' }, 'Proceed chosen') : null,
      );
    }),
  );
  if (all.length === 0) list.append(el('li', { class: 'empty' }, 'None stored. Only high-stakes meetings are kept; others are dropped when they arrive.'));
}

/** What each kind of push is, as the phone receives it. */
const pushKinds = {
  brake: 'brake: visible, time-sensitive',
  reflection: 'reflection: visible',
  reading: 'reading request: silent',
};
/** The prompt transitions integrations pushes to every registered phone. */
const pushingTransitions = new Set(['brake_raised', 'reflection_opened', 'reading_requested']);

/** The delivery log from the export: one row per push to one phone, what became of it. */
function renderPushes() {
  const list = $('pushes');
  const deliveries = view.exportDoc?.integrations?.push_deliveries ?? [];
  const devices = view.devices.length;
  setText($('pushes-note'), devices === 0 ? 'No phone registered: nothing is pushed.' : `What integrations pushed to ${devices} registered phone(s), newest first.`);
  list.replaceChildren(
    ...deliveries
      .toSorted((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .map((d) =>
        el(
          'li',
          { 'data-kind': d.kind, 'data-status': d.status },
          `${dayAndTime(d.created_at)} · ${pushKinds[d.kind] ?? d.kind}${d.event_id ? ` · ${titleOf(d.event_id)}` : ''} → phone …${String(d.device_id).slice(-8)} · ${d.status}`,
        ),
      ),
  );
  if (deliveries.length === 0 && devices > 0) list.append(el('li', { class: 'empty' }, 'None yet.'));
}

function renderHistory() {
  const rows = [
    ...view.decisions.map((d) => ({ at: d.timestamp, what: d.decision_type, where: `Day ${d.day}`, kind: 'decision' })),
    ...view.reflections.map((r) => ({ at: r.timestamp, what: `Reflection: ${r.response}`, where: `cycle of ${shortDate(r.cycle_start)}`, kind: 'reflection' })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const body = $('history');
  body.replaceChildren(...rows.map((r) => el('tr', { 'data-kind': r.kind }, el('td', {}, dayAndTime(r.at)), el('td', {}, r.what), el('td', {}, r.where))));
  if (rows.length === 0) body.append(el('tr', {}, el('td', { colSpan: 3, class: 'empty' }, 'Nothing recorded yet.')));
}

function renderFeed() {
  $('feed').replaceChildren(
    ...view.transitions.slice(0, 30).map((t) => {
      const why = t.withdrawn_reason ?? t.reflection_closed_reason;
      return el('li', { 'data-kind': t.kind }, `${dayAndTime(t.occurred_at)} · ${t.kind}${t.event ? ` · ${titleOf(t.event.id)}` : ''}${why ? ` (${why})` : ''} · Day ${t.cycle_day}`);
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Actions

const showError = (target) => (error) => setText(target, `⚠ ${error.message}${error.code ? ` (${error.code})` : ''}`);

/** Runs one control with its buttons disabled; its outcome in words in `target`. */
async function act(target, buttons, work) {
  buttons.forEach((b) => (b.disabled = true));
  try {
    setText(target, '…');
    setText(target, (await work()) ?? 'Done.');
  } catch (error) {
    showError(target)(error);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function rememberUser(userId) {
  const known = JSON.parse(localStorage.getItem(knownUsersKey) ?? '[]').filter((u) => u !== userId);
  localStorage.setItem(knownUsersKey, JSON.stringify([userId, ...known].slice(0, 20)));
  fillKnownUsers();
}

function fillKnownUsers() {
  const known = JSON.parse(localStorage.getItem(knownUsersKey) ?? '[]');
  $('known-users').replaceChildren(...known.map((u) => el('option', { value: u })));
}

/** A random APNs sandbox token (64 hex digits): a simulated iPhone, so the system has somewhere to push. */
const simulatedIphoneToken = () => [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');

async function openUser(userId, create) {
  session.streamAbort?.abort();
  session.userId = userId;
  session.token = await mintToken(userId);
  view = emptyView();
  if (create) {
    const email = $('user-email').value.trim() || `${userId.replace(/[^A-Za-z0-9._-]/g, '') || 'demo'}@example.com`;
    await api('POST', '/users', { email, timezone: $('user-tz').value });
    if ($('user-device').checked && (await api('GET', '/devices')).devices.length === 0) {
      await api('POST', '/devices', { platform: 'ios', token: simulatedIphoneToken(), environment: 'sandbox' });
    }
  }
  const state = await api('GET', '/state');
  session.tz = state.timezone;
  $('user-tz').value = state.timezone;
  rememberUser(userId);
  $('dashboard').hidden = false;
  session.streamAbort = new AbortController();
  runStream(session.streamAbort.signal);
  await refresh();
  return `Opened ${userId} (${state.timezone}).`;
}

async function decide(decision) {
  const answer = await api('POST', '/decisions', { decision_type: decision }, { 'idempotency-key': crypto.randomUUID() });
  await refresh();
  await untilInHistory('/decisions/history', 'decisions', 'decision_id', answer.decision_id);
  return answer.next_action === 'cooling_period_activated' ? `Delay recorded: cooling until ${hhmm(answer.re_trigger_time)}.` : 'Proceed recorded: no brake again for this meeting.';
}

async function reflect(response) {
  const answer = await api('POST', '/reflections', { response }, { 'idempotency-key': crypto.randomUUID() });
  await refresh();
  await untilInHistory('/reflections/history', 'reflections', 'reflection_id', answer.reflection_id);
  return `Reflection recorded (${response}); the next cycle starts ${dayAndTime(answer.cycle_reset?.new_cycle_start)}.`;
}

/** The decision log learns of an answer over Kafka, within a second or so: the history is read until it lists it. */
async function untilInHistory(path, key, idField, id) {
  for (let i = 0; i < 40; i += 1) {
    const page = await api('GET', path);
    if ((page[key] ?? []).some((row) => row[idField] === id)) return refresh();
    await sleep(250);
  }
}

function wire() {
  const zones = Intl.supportedValuesOf('timeZone');
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  $('user-tz').replaceChildren(...[...new Set(['UTC', ...zones])].map((z) => el('option', { value: z, selected: z === here }, z)));
  fillKnownUsers();
  const userButtons = [$('create-user'), $('open-user')];
  $('user-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act($('user-status'), userButtons, () => openUser($('user-id').value.trim(), true));
  });
  $('open-user').addEventListener('click', () => {
    if (!$('user-form').reportValidity()) return;
    act($('user-status'), userButtons, async () => {
      try {
        return await openUser($('user-id').value.trim(), false);
      } catch (error) {
        if (error.code === 'user_not_registered') throw new Error(`${$('user-id').value} is not registered here: create it`);
        throw error;
      }
    });
  });

  const simButtons = [...document.querySelectorAll('.simulator button')];
  const sim = (work) => act($('sim-status'), simButtons, async () => {
    const message = await work();
    await refresh();
    // The services hear of an injected reading or meeting over Kafka, within a second or so; a change of the
    // prompt comes over the stream, anything else (a new reason, the latest reading) shows on this second look.
    setTimeout(() => refresh().catch(showError($('sim-status'))), 1500);
    return message;
  });
  for (const b of document.querySelectorAll('[data-hrv]')) {
    b.addEventListener('click', () =>
      sim(async () => {
        const reading = await api('POST', '/dev/hrv-drop', { drop_percent: Number(b.dataset.hrv) });
        return `Reading ${reading.value_ms} ms at ${hhmm(reading.measured_at)}.`;
      }),
    );
  }
  for (const b of document.querySelectorAll('[data-event]')) {
    b.addEventListener('click', () =>
      sim(async () => {
        const e = await api('POST', '/dev/high-stakes-event', { title: b.dataset.event, duration_minutes: 60 });
        return `“${e.title}” ${hhmm(e.starts_at)}–${hhmm(e.ends_at)}.`;
      }),
    );
  }
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () =>
      sim(async () => {
        const time = await api('POST', '/dev/advance-time', { minutes: Number(b.dataset.advance) });
        return `Now ${dayAndTime(time.now)}.`;
      }),
    );
  }
  const jump = (d) => sim(async () => `Day ${(await api('POST', '/dev/cycle-day', { day: d })).current_day}.`);
  $('jump-form').addEventListener('submit', (e) => {
    e.preventDefault();
    jump(Number($('jump-day').value));
  });
  $('reset-day').addEventListener('click', () => jump(1));

  const answerButtons = [...document.querySelectorAll('[data-decision], [data-response]')];
  for (const b of document.querySelectorAll('[data-decision]')) b.addEventListener('click', () => act($('answer-status'), answerButtons, () => decide(b.dataset.decision)));
  for (const b of document.querySelectorAll('[data-response]')) b.addEventListener('click', () => act($('answer-status'), answerButtons, () => reflect(b.dataset.response)));

  // The clock, the countdown and the now marker move every second; without a live stream the page polls.
  let ticks = 0;
  setInterval(() => {
    if (!view.state) return;
    renderClock();
    renderBrake();
    if ((ticks += 1) % 30 === 0) renderCycle();
  }, 1000);
  setInterval(() => {
    if (view.state && $('stream-status').dataset.state !== 'on') refresh().catch(() => undefined);
  }, 10_000);
  new ResizeObserver(() => chart?.setSize({ width: Math.max(280, $('hrv-chart').clientWidth), height: 260 })).observe($('hrv-chart'));
}

wire();
