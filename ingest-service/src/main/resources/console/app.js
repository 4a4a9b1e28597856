// The Flywheel console: a few views over the gateway's API, in plain ES modules.
// The key lives in sessionStorage for this tab only and travels in the Authorization header of
// every request: never a cookie, never a URL.
import {
  h, fill, pct, num, pValue, time, duration, ago, checkValue, sha256Hex,
} from './views.js';

const KEY = 'flywheel.key';
const POLL_MS = 2000;
const main = document.getElementById('main');
const messages = document.getElementById('messages');
const who = document.getElementById('who');
const nav = document.getElementById('nav');
let caller = null; // {app_id, role} of the key in use
let cleanup = [];

// ---------------------------------------------------------------- API and errors

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : 'HTTP ' + status);
    this.status = status;
    this.body = body || {};
  }

  /** The message with every validation error the API listed. */
  detail() {
    const errors = (this.body.validation_errors || []).map((e) => e.field + ': ' + e.message);
    return errors.length ? this.message + ' (' + errors.join('; ') + ')' : this.message;
  }
}

async function request(path, options = {}) {
  const headers = { Accept: options.accept || 'application/json', ...(options.headers || {}) };
  const key = sessionStorage.getItem(KEY);
  if (key) headers.Authorization = 'Bearer ' + key;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { message: 'the gateway cannot be reached (' + e.message + ')' });
  }
  if (!response.ok) {
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = { message: text || response.statusText };
    }
    if (response.status === 401) forgetKey('The gateway refused the key: ' + body.message);
    throw new ApiError(response.status, body);
  }
  return response;
}

async function api(path, options) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

/** Shows a failure under a source name; a later success of the same source clears it. */
const shown = new Map();
function report(source, error) {
  if (error && error.name === 'AbortError') return;
  const text = error instanceof ApiError ? error.detail() : String(error && error.message);
  let line = shown.get(source);
  if (!line) {
    line = h('p', { 'data-source': source });
    shown.set(source, line);
    messages.append(line);
  }
  const dismiss = h('button', {
    class: 'secondary', type: 'button', 'aria-label': 'Dismiss message', onclick: () => clear(source),
  }, '×');
  fill(line, h('span', null, source + ': ' + text), dismiss);
}
function clear(source) {
  const line = shown.get(source);
  if (line) {
    line.remove();
    shown.delete(source);
  }
}
/** Runs a task, reporting its failure under a source name. */
async function track(source, task) {
  try {
    const result = await task();
    clear(source);
    return result;
  } catch (e) {
    report(source, e);
    return undefined;
  }
}
window.addEventListener('unhandledrejection', (event) => report('console', event.reason));

// ---------------------------------------------------------------- key and routing

function forgetKey(reason) {
  sessionStorage.removeItem(KEY);
  caller = null;
  if (reason) report('key', new Error(reason));
  renderWho();
  route();
}

function renderWho() {
  nav.hidden = !caller;
  if (!caller) {
    fill(who);
    return;
  }
  fill(
    who,
    h('span', { 'data-role': caller.role }, caller.app_id + ' (' + caller.role + ' key)'),
    h('button', { class: 'secondary', type: 'button', onclick: () => forgetKey() }, 'Forget key'),
  );
}

function keyView() {
  const error = h('p', { id: 'key-error', class: 'field-error', 'aria-live': 'polite' });
  const input = h('input', {
    id: 'key', type: 'password', autocomplete: 'off', required: true,
    'aria-describedby': 'key-help key-error',
  });
  const form = h('form', { class: 'card key-form', id: 'key-form' },
    h('h1', null, 'Flywheel console'),
    h('p', { id: 'key-help', class: 'muted' },
      'Enter an API key. An app key shows the models and lets you try them; an admin key also ' +
      'allows retraining, promoting and rolling back. The key is kept for this tab only.'),
    h('label', { for: 'key' }, 'API key'),
    input,
    error,
    h('div', { class: 'form-row' }, h('button', { type: 'submit' }, 'Open the console')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    try {
      caller = await api('/v1/whoami');
      clear('key');
      renderWho();
      if (!location.hash || location.hash === '#/') location.hash = '#/models';
      else route();
    } catch (e) {
      sessionStorage.removeItem(KEY);
      clear('key');
      fill(error, e instanceof ApiError ? e.detail() : String(e));
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  fill(main, form);
  input.focus();
}

function route() {
  cleanup.forEach((stop) => stop());
  cleanup = [];
  if (!sessionStorage.getItem(KEY)) {
    keyView();
    return;
  }
  if (!caller) {
    track('key', async () => {
      caller = await api('/v1/whoami');
      renderWho();
      route();
    });
    return;
  }
  const hash = location.hash || '#/models';
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === '#/' + parts[0]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (parts[0] === 'models' && parts[1] && parts[2] === 'try') tryView(parts[1]);
  else if (parts[0] === 'models' && parts[1]) modelView(parts[1]);
  else if (parts[0] === 'releases') releasesView();
  else modelsView();
  main.focus({ preventScroll: true });
}

/** Calls a task now and every POLL_MS while the view is shown. */
function every(task, millis = POLL_MS) {
  let stopped = false;
  let timer = null;
  const run = async () => {
    await task();
    if (!stopped) timer = setTimeout(run, millis);
  };
  run();
  cleanup.push(() => {
    stopped = true;
    clearTimeout(timer);
  });
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------- Models

function modelsView() {
  document.title = 'Models · Flywheel';
  const body = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { id: 'models' },
    h('caption', { class: 'muted' }, 'Every model the registry knows, refreshed live'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Model'),
      h('th', { scope: 'col', class: 'hide-narrow' }, 'Labels'),
      h('th', { scope: 'col', class: 'num' }, 'Champion'),
      h('th', { scope: 'col', class: 'num' }, 'Live accuracy'),
      h('th', { scope: 'col', class: 'num hide-narrow' }, 'Feedback / min'),
      h('th', { scope: 'col', class: 'num hide-narrow' }, 'Examples to retrain'),
      h('th', { scope: 'col', class: 'hide-narrow' }, 'Last release'))),
    body));
  fill(main, h('h1', null, 'Models'), table);
  every(() => track('models', async () => {
    const list = await api('/v1/models');
    const rows = await Promise.all(list.models.map(async (m) => {
      const [model, activity] = await Promise.all([
        api('/v1/models/' + enc(m.name)),
        api('/v1/models/' + enc(m.name) + '/activity?samples=1'),
      ]);
      return { model, activity };
    }));
    if (!rows.length) {
      fill(body, h('tr', null, h('td', { colspan: 7, class: 'muted' },
        'No models yet. An admin creates one with PUT /v1/models/{name}.')));
      return;
    }
    fill(body, rows.map(({ model, activity }) => {
      const labels = model.spec ? model.spec.labels : [];
      const live = activity.live;
      return h('tr', { 'data-model': model.name },
        h('th', { scope: 'row' }, h('a', { href: '#/models/' + enc(model.name) }, model.name)),
        h('td', { class: 'hide-narrow' }, labels.length > 6
          ? labels.slice(0, 6).join(', ') + ' … (' + labels.length + ')' : labels.join(', ')),
        h('td', { class: 'num' }, model.champion ? 'v' + model.champion.version : '–'),
        h('td', { class: 'num' }, live ? pct(live.live_accuracy) : '–'),
        h('td', { class: 'num hide-narrow' }, num(activity.feedback.per_minute, 1)),
        h('td', { class: 'num hide-narrow' }, num(activity.trigger.until_next_retrain)),
        h('td', { class: 'hide-narrow' }, model.champion
          ? 'v' + model.champion.version + ', ' + ago(model.champion.released_at) : '–'));
    }));
  }));
}

// ---------------------------------------------------------------- Model

function modelView(name) {
  document.title = name + ' · Flywheel';
  const base = '/v1/models/' + enc(name);
  const header = h('div');
  const live = h('div', { class: 'cards', id: 'live' });
  const training = h('div', { class: 'card', id: 'training' });
  const chartBox = h('div', { class: 'card chart', id: 'quality-chart', role: 'img',
    'aria-label': 'Live accuracy over time, releases marked' });
  const versionsBody = h('tbody');
  const detail = h('section', { id: 'version-detail', 'aria-live': 'polite' });
  const admin = caller.role === 'admin' ? adminPanel(name) : null;
  fill(main,
    header,
    h('p', null, h('a', { class: 'button', href: '#/models/' + enc(name) + '/try' }, 'Try it')),
    h('h2', null, 'Live'), live,
    h('h2', null, 'Training'), training,
    admin,
    h('h2', null, 'Live quality'), chartBox,
    h('h2', null, 'Versions'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'versions' },
      h('thead', null, h('tr', null,
        ['Version', 'State', 'Trained on', 'Holdout accuracy', 'Champion accuracy', 'p-value',
          'Gate checks', 'Trigger → release', 'Device', 'Bundle'].map((t) =>
          h('th', { scope: 'col' }, t)))),
      versionsBody)),
    detail);

  const manifests = new Map(); // version -> full view, refreshed when its summary changes
  let selected = null;
  let chart = null;
  cleanup.push(() => chart && chart.destroy());

  every(() => track('model ' + name, async () => {
    const [model, activity, releases] = await Promise.all([
      api(base), api(base + '/activity?samples=2000'), api('/v1/releases?model=' + enc(name)),
    ]);
    for (const v of model.versions) {
      const known = manifests.get(v.version);
      if (!known || known.state !== v.state || !!known.evaluation !== !!v.evaluation) {
        manifests.set(v.version, await api(base + '/versions/' + v.version));
      }
    }
    renderHeader(header, model);
    renderLive(live, model, activity);
    renderTraining(training, activity.training);
    chart = renderChart(chartBox, chart, activity.quality, releases.releases);
    renderVersions(versionsBody, name, model, activity, releases.releases, manifests,
      (version) => {
        selected = version;
        renderDetail(detail, manifests.get(version));
        for (const row of versionsBody.rows) {
          row.classList.toggle('selected', row.dataset.version === String(version));
        }
      }, selected);
    if (admin) admin.update(model);
  }));
}

function renderHeader(el, model) {
  const spec = model.spec || {};
  fill(el,
    h('h1', null, model.name),
    spec.description ? h('p', { class: 'muted' }, spec.description) : null,
    h('dl', { class: 'card-list' },
      h('dt', null, 'Labels'), h('dd', null, (spec.labels || []).join(', ') || '–'),
      h('dt', null, 'Recipe'), h('dd', null, spec.architecture || '–'),
      h('dt', null, 'Champion'), h('dd', { id: 'champion' }, model.champion
        ? 'v' + model.champion.version + ' (' + model.champion.kind + ', ' +
          time(model.champion.released_at) + ')' : 'none released yet')));
}

function renderLive(el, model, activity) {
  const live = activity.live;
  const trigger = activity.trigger;
  const progress = trigger.min_new_examples
    ? Math.min(trigger.new_examples, trigger.min_new_examples) : 0;
  fill(el,
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Live accuracy' +
        (live ? ' of v' + live.version : '')),
      h('div', { class: 'stat', id: 'live-accuracy' }, live ? pct(live.live_accuracy) : '–'),
      live && live.accuracy_lower !== null
        ? h('div', { class: 'muted' }, '95 % interval ' + pct(live.accuracy_lower) + ' – ' +
          pct(live.accuracy_upper)) : null),
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Feedback in the current window'),
      h('div', { class: 'stat', id: 'feedback-count' }, live ? num(live.feedback) : '0'),
      h('div', { class: 'muted' }, num(activity.feedback.per_minute, 1) + ' per minute, ' +
        (live ? num(live.predictions) + ' predictions' : 'no predictions yet'))),
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Examples until the next retrain'),
      h('div', { class: 'stat', id: 'until-retrain' }, num(trigger.until_next_retrain)),
      h('progress', { max: trigger.min_new_examples || 1, value: progress,
        'aria-label': 'New examples towards the retrain threshold' }),
      h('div', { class: 'muted' }, num(trigger.new_examples) + ' of ' +
        num(trigger.min_new_examples) + ' new examples')));
}

function renderTraining(el, run) {
  if (!run) {
    fill(el, h('p', { class: 'muted' }, 'No training run reported yet.'));
    return;
  }
  const last = run.history.length ? run.history[run.history.length - 1] : null;
  fill(el,
    h('p', { id: 'training-status', 'data-phase': run.phase, 'data-running': String(run.running) },
      (run.running ? 'Training v' : 'Last run: v') + run.version + ' — ' + run.phase +
      ', epoch ' + run.epoch + ' of ' + run.epochs + ' on ' + run.device +
      (run.running && run.eta_millis !== null ? ', about ' + duration(run.eta_millis) + ' left' : '')),
    h('progress', { max: run.epochs || 1, value: Math.min(run.epoch, run.epochs || 1),
      'aria-label': 'Epochs done' }),
    h('p', null, 'Loss ' + num(run.loss, 4) + ' · validation accuracy ' +
      pct(run.validation_accuracy !== null ? run.validation_accuracy
        : last && last.validation_accuracy) + ' · ' + num(run.examples_per_second, 0) +
      ' examples/s · updated ' + ago(run.updated_at)),
    run.history.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'training-epochs' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Epoch'),
        h('th', { scope: 'col', class: 'num' }, 'Loss'),
        h('th', { scope: 'col', class: 'num' }, 'Validation accuracy'))),
      h('tbody', null, run.history.map((p) => h('tr', null, h('td', null, p.epoch),
        h('td', { class: 'num' }, num(p.loss, 4)),
        h('td', { class: 'num' }, pct(p.validation_accuracy))))))) : null);
}

/** The live-accuracy chart (uPlot) with each release and roll back drawn as a vertical line. */
function renderChart(el, chart, quality, releases) {
  if (typeof window.uPlot !== 'function') {
    fill(el, h('p', { class: 'fail' }, 'The chart library did not load.'));
    return null;
  }
  if (!quality.length) {
    if (chart) chart.destroy();
    fill(el, h('p', { class: 'muted' }, 'No live quality yet: it appears once feedback arrives.'));
    return null;
  }
  const xs = quality.map((q) => q.at / 1000);
  const data = [xs,
    quality.map((q) => q.live_accuracy),
    quality.map((q) => q.accuracy_lower),
    quality.map((q) => q.accuracy_upper)];
  const marks = releases.map((r) => ({ x: r.released_at / 1000, kind: r.kind, v: r.version }));
  if (chart) {
    chart.marks = marks;
    chart.setData(data);
    return chart;
  }
  el.replaceChildren();
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  const fg = dark ? '#e6e9ee' : '#1b1f24';
  const grid = dark ? '#323842' : '#e3e6ea';
  const axis = { stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid } };
  const width = () => Math.max(280, el.clientWidth - 32);
  const created = new window.uPlot({
    width: width(),
    height: 240,
    scales: { y: { range: [0, 1] } },
    axes: [axis, { ...axis, values: (u, ticks) => ticks.map((t) => Math.round(t * 100) + '%') }],
    series: [
      {},
      { label: 'live accuracy', stroke: '#2f7de1', width: 2, value: (u, v) => pct(v) },
      { label: '95 % lower', stroke: '#8fb5ea', dash: [4, 4], value: (u, v) => pct(v) },
      { label: '95 % upper', stroke: '#8fb5ea', dash: [4, 4], value: (u, v) => pct(v) },
    ],
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        for (const m of created.marks || []) {
          const x = u.valToPos(m.x, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.kind === 'rolled_back' ? '#e0892f' : '#1a7f37';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillStyle = ctx.strokeStyle;
          ctx.font = '12px sans-serif';
          ctx.fillText((m.kind === 'rolled_back' ? '↶ v' : 'v') + m.v, x + 4, u.bbox.top + 14);
        }
        ctx.restore();
      }],
    },
  }, data, el);
  created.marks = marks;
  const resize = () => created.setSize({ width: width(), height: 240 });
  window.addEventListener('resize', resize);
  cleanup.push(() => window.removeEventListener('resize', resize));
  el.append(h('p', { class: 'muted' },
    'Each point is a live-quality report; green lines are releases, orange lines roll backs.'));
  return created;
}

function renderVersions(body, name, model, activity, releases, manifests, select, selected) {
  const requested = new Map(activity.requests.map((r) => [r.request_id, r.requested_at]));
  const releasedAt = new Map();
  for (const r of releases) {
    if (!releasedAt.has(r.version)) releasedAt.set(r.version, r.released_at);
  }
  const rows = [...model.versions].reverse().map((summary) => {
    const v = manifests.get(summary.version) || summary;
    const evaluation = v.evaluation || {};
    const checks = evaluation.checks || [];
    const start = requested.get(v.request_id);
    const end = releasedAt.get(v.version);
    return h('tr', { 'data-version': v.version, 'data-state': v.state,
      class: selected === v.version ? 'selected' : null },
      h('th', { scope: 'row' }, h('button', { class: 'secondary', type: 'button',
        'aria-label': 'Details of version ' + v.version, onclick: () => select(v.version) },
        'v' + v.version)),
      h('td', null, h('span', { class: 'state state-' + v.state }, v.state.replace('_', ' '))),
      h('td', { class: 'num' }, v.snapshot ? num(v.snapshot.train_examples) : '–'),
      h('td', { class: 'num' }, evaluation.candidate_metrics
        ? pct(evaluation.candidate_metrics.accuracy) : '–'),
      h('td', { class: 'num' }, evaluation.champion_metrics
        ? pct(evaluation.champion_metrics.accuracy) : '–'),
      h('td', { class: 'num' }, pValue(evaluation.p_value)),
      h('td', null, checks.length ? h('ul', { class: 'checks' }, checks.map((c) =>
        h('li', { 'data-check': c.name },
          h('span', { class: c.passed ? 'pass' : 'fail',
            'aria-label': c.passed ? 'passed' : 'failed' }, c.passed ? '✓ ' : '✗ '),
          c.name + ' ' + checkValue(c.name, c.value) +
          (c.threshold !== null ? ' vs ' + checkValue(c.name, c.threshold) : ''))))
        : (v.failure ? h('span', { class: 'fail' }, 'training failed') : '–')),
      h('td', { class: 'num' }, start && end ? duration(end - start) : '–'),
      h('td', null, v.device || '–'),
      h('td', null, v.sha256 ? bundleLink(name, v) : '–'));
  });
  fill(body, rows.length ? rows
    : h('tr', null, h('td', { colspan: 10, class: 'muted' }, 'No versions trained yet.')));
}

function bundleLink(name, v) {
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const button = h('button', { class: 'secondary', type: 'button',
    'aria-label': 'Download the bundle of version ' + v.version, onclick: async () => {
      button.disabled = true;
      await track('bundle v' + v.version, async () => {
        const response = await request('/v1/models/' + enc(name) + '/versions/' + v.version +
          '/bundle', { accept: 'application/octet-stream' });
        const bytes = await response.arrayBuffer();
        const sha = await sha256Hex(bytes);
        const ok = sha === v.sha256;
        fill(status, ok ? ' sha256 verified' : ' sha256 MISMATCH');
        status.className = ok ? 'pass' : 'fail';
        const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
        const a = h('a', { href: url, download: name + '-v' + v.version + '.zip' });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      });
      button.disabled = false;
    } }, 'Download');
  return h('div', null, button, status,
    h('div', { class: 'sha', title: 'sha256' }, 'sha256 ' + v.sha256));
}

function renderDetail(el, v) {
  if (!v) return;
  const metrics = (v.evaluation && v.evaluation.candidate_metrics) || null;
  const perLabel = metrics ? Object.entries(metrics.per_label || {}) : [];
  const snapshot = v.snapshot;
  fill(el,
    h('h2', null, 'Version ' + v.version + ': model card'),
    h('dl', { class: 'card card-list', id: 'model-card' },
      h('dt', null, 'State'), h('dd', null, v.state),
      h('dt', null, 'Recipe'), h('dd', null, v.architecture || '–'),
      h('dt', null, 'Base model'), h('dd', null, (v.hyperparameters && v.hyperparameters.base) ||
        (v.parent_version ? 'warm-started from v' + v.parent_version : 'trained from scratch')),
      h('dt', null, 'Labels'), h('dd', null, (v.labels || []).join(', ') || '–'),
      h('dt', null, 'Hyperparameters'), h('dd', null, Object.entries(v.hyperparameters || {})
        .map(([k, x]) => k + '=' + x).join(', ') || '–'),
      h('dt', null, 'Dataset snapshot'), h('dd', null, snapshot
        ? [snapshot.topic + ': ', snapshot.ranges.map((r) => 'partition ' + r.partition +
          ' offsets ' + r.start_offset + '–' + r.end_offset).join('; '),
        h('br'), num(snapshot.train_examples) + ' training, ' + num(snapshot.holdout_examples) +
          ' holdout examples, taken ' + time(snapshot.taken_at)] : '–'),
      h('dt', null, 'Trained'), h('dd', null, v.device
        ? 'on ' + v.device + ' by ' + v.worker + ' in ' + duration(v.duration_millis) + ', ' +
          v.epochs + ' epochs, ' + time(v.created_at) : '–'),
      h('dt', null, 'Decision'), h('dd', null, v.evaluation
        ? v.evaluation.decision + ': ' + (v.evaluation.reasons || []).join('; ') : '–'),
      h('dt', null, 'Bundle'), h('dd', { class: 'sha' }, v.sha256
        ? v.sha256 + ' (' + num(v.size_bytes) + ' bytes)' : '–')),
    perLabel.length ? h('h3', null, 'Per-label metrics on the evaluation set') : null,
    perLabel.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'per-label' },
      h('thead', null, h('tr', null, ['Label', 'Precision', 'Recall', 'F1', 'Support']
        .map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
      h('tbody', null, perLabel.map(([label, m]) => h('tr', null, h('th', { scope: 'row' }, label),
        h('td', { class: 'num' }, pct(m.precision)), h('td', { class: 'num' }, pct(m.recall)),
        h('td', { class: 'num' }, pct(m.f1)), h('td', { class: 'num' }, num(m.support)))))))
      : null,
    confusionTable(metrics, v.labels || []));
}

/** Rows are the actual labels, columns the predicted ones; the diagonal is what was right. */
function confusionTable(metrics, labels) {
  const cells = metrics && metrics.confusion;
  if (!cells || !Object.keys(cells).length || !labels.length) {
    return h('p', { class: 'muted' }, 'No confusion matrix was recorded for this version.');
  }
  const count = (actual, predicted) => (cells[actual] && cells[actual][predicted]) || 0;
  return h('div', null,
    h('h3', null, 'Confusion matrix (rows: actual label, columns: predicted)'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'confusion' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'actual / predicted'),
        labels.map((l) => h('th', { scope: 'col', class: 'num' }, l)))),
      h('tbody', null, labels.map((actual) => h('tr', null, h('th', { scope: 'row' }, actual),
        labels.map((predicted) => h('td', { class: actual === predicted ? 'num diagonal' : 'num' },
          num(count(actual, predicted))))))))));
}

function adminPanel(name) {
  const base = '/v1/models/' + enc(name);
  const status = h('p', { id: 'admin-status', 'aria-live': 'polite' });
  const version = h('select', { id: 'promote-version' });
  const fromScratch = h('input', { id: 'retrain-scratch', type: 'checkbox' });
  const force = h('input', { id: 'retrain-force', type: 'checkbox' });
  const act = (label, path, body) => async () => {
    if (!window.confirm(label + ' for ' + name + '?')) return;
    fill(status);
    await track('admin', async () => {
      const answer = await api(base + path, { method: 'POST', body: body() });
      fill(status, label + ': requested (' + answer.request_id + ')');
    });
  };
  const panel = h('section', { class: 'card admin', id: 'admin', 'aria-labelledby': 'admin-h' },
    h('h2', { id: 'admin-h' }, 'Admin actions'),
    h('div', { class: 'form-row' },
      h('button', { type: 'button', id: 'retrain', onclick: act('Retrain now', '/retrain',
        () => ({ from_scratch: fromScratch.checked, force: force.checked,
          detail: 'from the console' })) },
      'Retrain now'),
      fromScratch, h('label', { for: 'retrain-scratch' }, 'from scratch'),
      force, h('label', { for: 'retrain-force', title:
        'train even if no example changed since the last candidate' }, 'even if unchanged')),
    h('div', { class: 'form-row' },
      h('label', { for: 'promote-version' }, 'Version'), version,
      h('button', { type: 'button', id: 'promote', onclick: act('Promote', '/promote',
        () => ({ version: Number(version.value), reason: 'from the console' })) }, 'Promote'),
      h('button', { type: 'button', class: 'danger', id: 'rollback', onclick: act('Roll back',
        '/rollback', () => ({ reason: 'from the console' })) }, 'Roll back')),
    status);
  panel.update = (model) => {
    const options = model.versions.filter((v) => v.artifact_uri).map((v) => String(v.version));
    const current = [...version.options].map((o) => o.value);
    if (options.join() !== current.join()) {
      const keep = version.value;
      fill(version, options.map((v) => h('option', { value: v }, 'v' + v)));
      if (options.includes(keep)) version.value = keep;
    }
  };
  return panel;
}

// ---------------------------------------------------------------- Try it

function tryView(name) {
  document.title = 'Try ' + name + ' · Flywheel';
  const base = '/v1/models/' + enc(name);
  const text = h('textarea', { id: 'try-text', required: true, maxlength: 2000,
    'aria-describedby': 'try-error' });
  const error = h('p', { id: 'try-error', class: 'field-error', 'aria-live': 'polite' });
  const result = h('section', { id: 'prediction', 'aria-live': 'polite' });
  const counter = h('span', { id: 'feedback-count', class: 'stat' }, '–');
  const form = h('form', { id: 'try-form', class: 'card' },
    h('label', { for: 'try-text' }, 'Text to classify'), text, error,
    h('div', { class: 'form-row' }, h('button', { type: 'submit' }, 'Predict')));
  fill(main,
    h('h1', null, 'Try ' + name),
    h('p', null, h('a', { href: '#/models/' + enc(name) }, '← back to ' + name)),
    h('p', { class: 'muted' }, 'Predictions and feedback here go through the same API an app ' +
      'uses, so they join the loop like any other.'),
    form, result,
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Feedback in the current window'),
      counter));
  every(() => track('activity ' + name, async () => {
    const activity = await api(base + '/activity?samples=1');
    fill(counter, activity.live ? num(activity.live.feedback) : '0');
  }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(error);
    text.removeAttribute('aria-invalid');
    try {
      const [answer, model] = await Promise.all([
        api(base + '/predict', { method: 'POST', body: { text: text.value } }),
        api(base),
      ]);
      clear('predict');
      showPrediction(result, base, answer, (model.spec && model.spec.labels) ||
        Object.keys(answer.predictions[0].scores));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        fill(error, e.detail());
        text.setAttribute('aria-invalid', 'true');
      } else {
        report('predict', e);
      }
    }
  });
}

function showPrediction(el, base, answer, labels) {
  const p = answer.predictions[0];
  const scores = Object.entries(p.scores).sort((a, b) => b[1] - a[1]);
  const status = h('p', { id: 'feedback-status', 'aria-live': 'polite' });
  const fieldError = h('p', { id: 'correction-error', class: 'field-error' });
  const correction = h('select', { id: 'correction', 'aria-describedby': 'correction-error' },
    labels.filter((l) => l !== p.label).map((l) => h('option', { value: l }, l)));
  const send = (kind, label) => async () => {
    fill(fieldError);
    fill(status);
    try {
      const body = { kind, prediction_id: p.prediction_id };
      if (label) body.label = label;
      await api('/v1/feedback', { method: 'POST', body });
      clear('feedback');
      fill(status, 'Feedback sent (' + kind.replace('_', ' ') + '): accepted by Kafka.');
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) fill(fieldError, e.detail());
      else report('feedback', e);
    }
  };
  fill(el,
    h('div', { class: 'card' },
      h('p', null, 'Version v' + answer.version + ' says ', h('strong', { id: 'predicted-label' },
        p.label), ' (' + num(answer.latency_ms, 1) + ' ms)'),
      h('ul', { class: 'scores', 'aria-label': 'Scores' }, scores.map(([label, score]) =>
        h('li', null, h('span', null, label),
          h('meter', { min: 0, max: 1, value: score, 'aria-label': label + ' score' }),
          h('span', { class: 'num' }, pct(score))))),
      h('div', { class: 'form-row' },
        h('button', { type: 'button', id: 'thumbs-up', onclick: send('thumbs_up') }, 'Thumbs up: right'),
        h('button', { type: 'button', id: 'thumbs-down', class: 'secondary',
          onclick: send('thumbs_down') }, 'Thumbs down: wrong')),
      h('div', { class: 'form-row' },
        h('label', { for: 'correction' }, 'Correct label'), correction,
        h('button', { type: 'button', id: 'send-correction',
          onclick: () => send('correction', correction.value)() }, 'Send correction')),
      fieldError, status));
}

// ---------------------------------------------------------------- Releases

function releasesView() {
  document.title = 'Releases · Flywheel';
  const list = h('ol', { class: 'timeline', id: 'timeline', reversed: true });
  const state = h('span', { id: 'stream-state' }, 'connecting');
  const dot = h('span', { class: 'live-dot', 'aria-hidden': 'true' });
  fill(main, h('h1', null, 'Releases'),
    h('p', null, dot, ' ', state, h('span', { class: 'muted' },
      ' — every release across models, newest first, live from /v1/releases/stream')),
    list);
  const controller = new AbortController();
  cleanup.push(() => controller.abort());
  let lastId = null;
  const add = (r) => list.prepend(h('li', { class: 'kind-' + r.kind, 'data-model': r.model,
    'data-version': r.version },
    h('strong', null, r.model + ' v' + r.version), ' ' + r.kind.replace('_', ' ') +
    (r.previous_version ? ' (after v' + r.previous_version + ')' : '') + ' — ' +
    time(r.released_at),
    r.reason ? h('div', { class: 'muted' }, r.reason) : null,
    h('div', { class: 'sha' }, 'sha256 ' + r.sha256)));
  const connect = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await request('/v1/releases/stream' + (lastId ? '' : '?from=beginning'),
          { accept: 'text/event-stream', signal: controller.signal,
            headers: lastId ? { 'Last-Event-ID': lastId } : {} });
        dot.classList.add('on');
        fill(state, 'live');
        clear('release stream');
        await readEvents(response.body, (event) => {
          if (event.id) lastId = event.id;
          if (event.event === 'release') add(JSON.parse(event.data));
        });
        throw new Error('the stream ended');
      } catch (e) {
        if (controller.signal.aborted) return;
        dot.classList.remove('on');
        fill(state, 'reconnecting');
        report('release stream', e);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  };
  connect();
}

/** Parses Server-Sent Events from a fetch body (EventSource cannot send a key header). */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { event: 'message', data: '', id: null };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = val;
        else if (field === 'data') event.data += (event.data ? '\n' : '') + val;
        else if (field === 'id') event.id = val;
      }
      onEvent(event);
    }
  }
}

window.addEventListener('hashchange', route);
renderWho();
route();
