// @ts-check
// kommhook dashboard: plain ES2020, no bundler, no inline script (the page is served with
// `Content-Security-Policy: default-src 'self'`). Chart.js is loaded before this file.
// Everything from the API reaches the page through textContent, never as HTML.
// Type-checked through its JSDoc (`npm run typecheck`, tsconfig.dashboard.json); served as is.
(() => {
  'use strict';

  // ---------------------------------------------------------------- what the API answers

  /** @typedef {'hour' | 'day'} Bucket */
  /** @typedef {{ p50: number | null, p95: number | null }} DelayPercentiles */
  /**
   * GET /api/analytics/summary (the fields the page shows).
   * @typedef {object} Summary
   * @property {number} messages
   * @property {number} attachments
   * @property {number} attachmentBytes
   * @property {number} offlineMessages
   * @property {number} offlineShare
   * @property {number} conversationsStarted
   * @property {number} activeConversations
   * @property {number} senders
   * @property {DelayPercentiles} [webhookDelayMs] missing from servers older than the delay figures
   */
  /**
   * @typedef {object} TimeseriesPoint
   * @property {string} start ISO time the bucket starts at
   * @property {number} messages
   * @property {number} conversationsStarted
   * @property {number} offlineMessages
   * @property {number} attachments
   */
  /** @typedef {{ bucket: Bucket, points: TimeseriesPoint[] }} Timeseries GET /api/analytics/timeseries */
  /** @typedef {{ key: string, messages: number }} TopItem */
  /** @typedef {{ items: TopItem[] }} Top GET /api/analytics/top */
  /** @typedef {{ contentType: string, attachments: number, bytes: number }} ContentTypeCount */
  /**
   * GET /api/analytics/attachments; the totals are summed here when a server leaves them out.
   * @typedef {{ items: ContentTypeCount[], attachments?: number, bytes?: number }} Attachments
   */
  /**
   * @typedef {object} Delivery
   * @property {string} id
   * @property {string} listener
   * @property {string} messageKey
   * @property {string} status
   * @property {number} attempts
   * @property {string | null} lastError
   * @property {string | null} nextAttemptAt
   * @property {string} updatedAt
   */
  /** @typedef {{ items: Delivery[], nextCursor: string | null }} DeliveryPage GET /api/deliveries */
  /** @typedef {'dead' | 'failed'} DeliveryKind */

  /** @typedef {'overview' | 'support'} Tab */
  /** @typedef {'wall' | 'business'} ClockName */
  /**
   * A time's figures in milliseconds, null without samples.
   * @typedef {{ count: number, medianMs: number | null, p90Ms: number | null, meanMs: number | null }} Figures
   */
  /** @typedef {Figures & { buckets: { label: string, count: number }[] }} Distribution */
  /**
   * @template T
   * @typedef {{ wall: T, business: T }} OnBothClocks
   */
  /**
   * GET /api/support/summary (the fields the page shows).
   * @typedef {object} SupportSummary
   * @property {{ started: number, customerInitiated: number, agentInitiated: number, botInitiated: number, answered: number, unanswered: number }} sessions
   * @property {OnBothClocks<Figures>} firstResponse
   * @property {OnBothClocks<Figures>} reply
   */
  /**
   * GET /api/support/response-times
   * @typedef {object} ResponseTimes
   * @property {OnBothClocks<Distribution>} firstResponse
   * @property {OnBothClocks<Distribution>} firstResponseWithBots
   * @property {OnBothClocks<Distribution>} handoff
   * @property {OnBothClocks<Distribution>} reply
   */
  /** @typedef {{ tz: string, days: string[], cells: number[][], total: number }} Heatmap GET /api/support/heatmap */
  /**
   * @typedef {object} WaitItem
   * @property {string} conversationKey
   * @property {string} customerMessageKey
   * @property {string} waitStartedAt
   * @property {string | null} answeredAt
   * @property {boolean} answered
   * @property {number} waitMs
   * @property {number} businessWaitMs
   * @property {string} link the conversation's messages in the admin API
   */
  /** @typedef {{ items: WaitItem[] }} Waits GET /api/support/waits */
  /** @typedef {{ key: string, from: string, text: string, timeStamp: number }} StoredMessage */
  /** @typedef {{ items: StoredMessage[], nextCursor: string | null }} MessagePage GET /api/messages */
  /**
   * The support tab's last answers, kept so that switching the clock redraws without a request.
   * @typedef {{ summary: Settled<SupportSummary>, times: Settled<ResponseTimes> }} SupportData
   */

  /** @typedef {import('chart.js').Chart<'bar' | 'line', number[], string>} MessagesChart */
  /** @typedef {import('chart.js').Chart<'doughnut', number[], string>} AttachmentsChart */
  /** @typedef {import('chart.js').Chart<'bar', number[], string>} DistributionChart */

  // ---------------------------------------------------------------- state

  const TOKEN_KEY = 'kommhook.adminToken';
  const REFRESH_MS = 10000;
  /** @type {Record<Bucket, { label: string, span: string }>} */
  const RANGES = {
    hour: { label: 'Last 48 hours, by hour', span: 'Last 48 hours' },
    day: { label: 'Last 30 days, by day', span: 'Last 30 days' },
  };
  const WAITS_SHOWN = 10;
  /** The API's day names, Monday first, as the heatmap's rows say them. */
  /** @type {Record<string, string>} */
  const DAY_NAMES = {
    mon: 'Mon',
    tue: 'Tue',
    wed: 'Wed',
    thu: 'Thu',
    fri: 'Fri',
    sat: 'Sat',
    sun: 'Sun',
  };
  /** @type {Record<ClockName, string>} */
  const CLOCKS = { wall: 'wall clock', business: 'business hours' };

  /** @type {(value: unknown) => value is Bucket} */
  const isBucket = (value) => value === 'hour' || value === 'day';
  /** @type {(value: unknown) => value is Tab} */
  const isTab = (value) => value === 'overview' || value === 'support';
  /** @type {(value: unknown) => value is ClockName} */
  const isClock = (value) => value === 'wall' || value === 'business';

  const state = {
    /** @type {Bucket} */
    bucket: 'hour',
    /** @type {Tab} */
    tab: 'overview',
    /** @type {ClockName} */
    clock: 'wall',
    /** @type {SupportData | null} */
    support: null,
    conversationCall: 0,
    /** @type {number | undefined} */
    timer: undefined,
    loading: false,
    again: false,
    signedIn: false,
    /** @type {Date | null} */
    lastUpdated: null,
    refreshes: 0,
    deliveriesCall: 0,
    charts: {
      /** @type {MessagesChart | null} */
      messages: null,
      /** @type {AttachmentsChart | null} */
      attachments: null,
      /** @type {DistributionChart | null} */
      distribution: null,
    },
  };

  /**
   * The element the page must have: a missing one is a bug of the page, said plainly.
   * @param {string} selector
   * @param {ParentNode} [root]
   * @returns {HTMLElement}
   */
  function $(selector, root = document) {
    const node = root.querySelector(selector);
    if (!(node instanceof HTMLElement)) throw new Error(`The page has no ${selector}.`);
    return node;
  }

  /**
   * The same, for an element the code uses as a button, an input, a canvas…
   * @template {HTMLElement} T
   * @param {{ new (): T }} type
   * @param {string} selector
   * @returns {T}
   */
  function $as(type, selector) {
    const node = $(selector);
    if (!(node instanceof type)) throw new Error(`${selector} is not a ${type.name}.`);
    return node;
  }

  /**
   * @param {string} selector
   * @param {ParentNode} [root]
   * @returns {HTMLElement[]}
   */
  const $$ = (selector, root = document) =>
    Array.from(root.querySelectorAll(selector)).filter((node) => node instanceof HTMLElement);

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    /**
     * @param {number} status 0 when the server could not be reached
     * @param {string} code the API's error code, else `HTTP <status>`
     * @param {string} message
     */
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  /**
   * One authenticated request; throws ApiError when the server cannot be reached.
   * @param {string} path
   * @param {'GET' | 'POST'} method
   * @param {string} accept
   * @returns {Promise<Response>}
   */
  async function request(path, method, accept) {
    try {
      return await fetch(path, {
        method,
        cache: 'no-store',
        headers: { Accept: accept, Authorization: `Bearer ${token() ?? ''}` },
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached.');
    }
  }

  /**
   * What a refusal says: the API's code and message when it sent JSON.
   * @param {Response} response
   * @param {{ code?: unknown, message?: unknown } | null} body
   */
  function refusal(response, body) {
    const code = body && typeof body.code === 'string' ? body.code : `HTTP ${response.status}`;
    const message =
      response.status === 404 && code === 'HTTP.NOT_FOUND'
        ? 'This server does not offer it yet (404).'
        : body && typeof body.message === 'string'
          ? body.message
          : `The server answered ${response.status}.`;
    return new ApiError(response.status, code, message);
  }

  /** @param {Response} response */
  async function jsonOf(response) {
    /** @type {{ code?: unknown, message?: unknown } | null} */
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status says enough
    }
    return body;
  }

  /**
   * The JSON the API answers, unchecked: callers say what they expect of it.
   * @param {string} path
   * @param {'GET' | 'POST'} [method]
   * @returns {Promise<unknown>}
   */
  async function api(path, method = 'GET') {
    const response = await request(path, method, 'application/json');
    const body = await jsonOf(response);
    if (!response.ok) throw refusal(response, body);
    return body;
  }

  /** @param {Record<string, string | number | null | undefined>} params */
  const query = (params) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  };

  /**
   * @template T
   * @typedef {{ ok: true, value: T } | { ok: false, error: unknown }} Settled
   */

  /**
   * Resolves to {ok, value} or {ok: false, error}: one failing card never blanks the others.
   * @template T
   * @param {Promise<T>} promise
   * @returns {Promise<Settled<T>>}
   */
  const settle = (promise) =>
    promise.then(
      (value) => ({ ok: true, value }),
      (error) => ({ ok: false, error }),
    );

  /** @param {Settled<unknown>[]} results */
  const unauthorized = (results) =>
    results.some(
      (result) => !result.ok && result.error instanceof ApiError && result.error.status === 401,
    );

  /** The browser's IANA time zone (the heatmap's hours), or undefined to take the server's. */
  function timeZoneName() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
    } catch {
      return undefined;
    }
  }

  /** The browser's UTC offset as `+02:00`, or undefined when it is not a whole number of hours. */
  function tzOffset() {
    const minutes = -new Date().getTimezoneOffset();
    if (minutes % 60 !== 0) return undefined;
    const hours = Math.abs(minutes / 60);
    return `${minutes < 0 ? '-' : '+'}${String(hours).padStart(2, '0')}:00`;
  }

  // ---------------------------------------------------------------- formatting

  const numberFormat = new Intl.NumberFormat(undefined);
  const percentFormat = new Intl.NumberFormat(undefined, {
    style: 'percent',
    maximumFractionDigits: 1,
    minimumFractionDigits: 1,
  });
  const timeFormat = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const hourFormat = new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const dayFormat = new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });

  /** @param {number} value */
  const formatNumber = (value) => numberFormat.format(value);

  /** @param {number} bytes */
  function formatBytes(bytes) {
    if (bytes < 1000) return `${formatNumber(bytes)} B`;
    const units = ['kB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return `${value.toFixed(value < 100 ? 1 : 0)} ${units[unit]}`;
  }

  /** @param {number | null | undefined} ms */
  function formatDelay(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3600000) return `${(ms / 60000).toFixed(1)} min`;
    return `${(ms / 3600000).toFixed(1)} h`;
  }

  /** @param {string | null | undefined} iso */
  function formatWhen(iso) {
    if (!iso) return '–';
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? iso : dateTimeFormat.format(at);
  }

  /**
   * @param {string} iso
   * @param {Bucket} bucket
   */
  const bucketLabel = (iso, bucket) =>
    (bucket === 'day' ? dayFormat : hourFormat).format(new Date(iso));

  /** @param {string} name */
  const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  // ---------------------------------------------------------------- DOM helpers

  /**
   * @typedef {object} ElementOptions
   * @property {string} [className]
   * @property {string} [text]
   * @property {string} [title]
   * @property {Record<string, string | number>} [data] as data-* attributes
   * @property {Record<string, string>} [attrs]
   */

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {ElementOptions} [options]
   * @param {(Node | string)[]} [children]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = options.text;
    if (options.title) node.title = options.title;
    if (options.data)
      for (const [name, value] of Object.entries(options.data)) node.dataset[name] = String(value);
    if (options.attrs)
      for (const [name, value] of Object.entries(options.attrs)) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  /**
   * Shows the error in the card's error line, or hides that line for null.
   * @param {string} name the card's data-error
   * @param {unknown} error
   */
  function showError(name, error) {
    for (const node of $$(`[data-error="${name}"]`)) {
      if (error) {
        node.textContent = error instanceof ApiError ? error.message : String(error);
        node.hidden = false;
      } else {
        node.textContent = '';
        node.hidden = true;
      }
    }
  }

  /**
   * @param {HTMLElement} tbody
   * @param {number} columns
   * @param {string} text
   */
  function emptyRow(tbody, columns, text) {
    tbody.replaceChildren(
      el('tr', {}, [el('td', { className: 'empty', text, attrs: { colspan: String(columns) } })]),
    );
  }

  /**
   * @param {string} testId
   * @param {number | null | undefined} value what data-value holds for tests; none when null
   * @param {string} text
   * @param {string} [hint]
   */
  function setStat(testId, value, text, hint = '') {
    const card = document.querySelector(`[data-testid="${testId}"]`);
    if (!(card instanceof HTMLElement)) return;
    const valueNode = $('.value', card);
    valueNode.textContent = text;
    if (value === null || value === undefined) delete card.dataset.value;
    else card.dataset.value = String(value);
    $('.hint', card).textContent = hint;
  }

  // ---------------------------------------------------------------- rendering

  /** @param {Summary} summary */
  function renderSummary(summary) {
    setStat('stat-messages', summary.messages, formatNumber(summary.messages));
    setStat(
      'stat-conversations-started',
      summary.conversationsStarted,
      formatNumber(summary.conversationsStarted),
    );
    setStat(
      'stat-active-conversations',
      summary.activeConversations,
      formatNumber(summary.activeConversations),
    );
    setStat('stat-senders', summary.senders, formatNumber(summary.senders));
    setStat(
      'stat-offline-share',
      summary.offlineShare,
      percentFormat.format(summary.offlineShare),
      `${formatNumber(summary.offlineMessages)} sent while nobody was online`,
    );
    setStat(
      'stat-attachments',
      summary.attachments,
      formatNumber(summary.attachments),
      formatBytes(summary.attachmentBytes),
    );
    const delay = summary.webhookDelayMs ?? { p50: null, p95: null };
    const delayHint = 'sent → received';
    setStat('stat-delay-p50', delay.p50, formatDelay(delay.p50), delayHint);
    setStat('stat-delay-p95', delay.p95, formatDelay(delay.p95), delayHint);
  }

  /** @param {ParentNode} [root] */
  function clearStats(root = document) {
    for (const card of $$('.stat', root)) {
      delete card.dataset.value;
      $('.value', card).textContent = '–';
      $('.hint', card).textContent = '';
    }
  }

  /** @param {Timeseries} series */
  function renderTimeseries(series) {
    const figure = $('#messages-chart');
    const points = Array.isArray(series.points) ? series.points : [];
    const messages = points.map((point) => point.messages);
    const started = points.map((point) => point.conversationsStarted);
    const labels = points.map((point) => bucketLabel(point.start, series.bucket));
    const total = messages.reduce((sum, value) => sum + value, 0);

    figure.dataset.bucket = series.bucket;
    figure.dataset.points = String(points.length);
    figure.dataset.total = String(total);
    figure.dataset.totalConversationsStarted = String(
      started.reduce((sum, value) => sum + value, 0),
    );
    $('#messages-canvas').setAttribute(
      'aria-label',
      `${formatNumber(total)} messages in ${points.length} ${series.bucket === 'day' ? 'days' : 'hours'}`,
    );

    const rows = points
      .filter((point) => point.messages > 0 || point.conversationsStarted > 0)
      .map((point) =>
        el(
          'tr',
          { data: { testid: 'messages-row', start: point.start, messages: point.messages } },
          [
            el('td', { text: bucketLabel(point.start, series.bucket), title: point.start }),
            el('td', { className: 'num', text: formatNumber(point.messages) }),
            el('td', { className: 'num', text: formatNumber(point.conversationsStarted) }),
            el('td', { className: 'num', text: formatNumber(point.offlineMessages) }),
            el('td', { className: 'num', text: formatNumber(point.attachments) }),
          ],
        ),
      );
    const tbody = $('#messages-rows');
    if (rows.length === 0) emptyRow(tbody, 5, 'No messages in this range.');
    else tbody.replaceChildren(...rows);

    if (typeof window.Chart !== 'function') {
      showError('timeseries', 'The chart library did not load; the numbers are below.');
      return;
    }
    const chart = state.charts.messages;
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = messages;
      chart.data.datasets[1].data = started;
      chart.update('none');
      return;
    }
    state.charts.messages = new window.Chart($as(HTMLCanvasElement, '#messages-canvas'), {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: 'Messages',
            data: messages,
            backgroundColor: cssVar('--series-1'),
            borderRadius: 3,
            order: 2,
          },
          {
            type: 'line',
            label: 'Conversations started',
            data: started,
            borderColor: cssVar('--series-2'),
            backgroundColor: cssVar('--series-2'),
            pointRadius: 0,
            pointHoverRadius: 4,
            borderWidth: 2,
            tension: 0.25,
            order: 1,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            ticks: { color: cssVar('--muted'), maxRotation: 0, autoSkipPadding: 12 },
            grid: { display: false },
          },
          y: {
            beginAtZero: true,
            ticks: { precision: 0, color: cssVar('--muted') },
            grid: { color: cssVar('--border') },
          },
        },
        plugins: {
          legend: {
            position: 'bottom',
            labels: {
              color: cssVar('--text'),
              boxWidth: 12,
              sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
            },
          },
        },
      },
    });
  }

  function clearTimeseries() {
    const figure = $('#messages-chart');
    for (const name of ['bucket', 'points', 'total', 'totalConversationsStarted'])
      delete figure.dataset[name];
    $('#messages-rows').replaceChildren();
  }

  /** @param {Attachments} result */
  function renderAttachments(result) {
    const items = Array.isArray(result.items) ? result.items : [];
    const figure = $('#attachments-chart');
    figure.dataset.total = String(
      result.attachments ?? items.reduce((sum, item) => sum + item.attachments, 0),
    );
    figure.dataset.bytes = String(result.bytes ?? items.reduce((sum, item) => sum + item.bytes, 0));
    figure.hidden = items.length === 0;

    const tbody = $('#attachments-rows');
    if (items.length === 0) emptyRow(tbody, 3, 'No attachments in this range.');
    else
      tbody.replaceChildren(
        ...items.map((item) =>
          el(
            'tr',
            {
              data: {
                testid: 'attachment-row',
                contentType: item.contentType,
                attachments: item.attachments,
                bytes: item.bytes,
              },
            },
            [
              el('td', { className: 'key', text: item.contentType }),
              el('td', { className: 'num', text: formatNumber(item.attachments) }),
              el('td', { className: 'num', text: formatBytes(item.bytes) }),
            ],
          ),
        ),
      );

    if (typeof window.Chart !== 'function') return;
    const labels = items.map((item) => item.contentType);
    const data = items.map((item) => item.attachments);
    const colors = items.map((_, index) => cssVar(`--series-${(index % 6) + 1}`));
    const chart = state.charts.attachments;
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = data;
      chart.data.datasets[0].backgroundColor = colors;
      chart.update('none');
      return;
    }
    state.charts.attachments = new window.Chart($as(HTMLCanvasElement, '#attachments-canvas'), {
      type: 'doughnut',
      data: {
        labels,
        datasets: [{ label: 'Attachments', data, backgroundColor: colors, borderWidth: 0 }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        cutout: '55%',
        plugins: {
          legend: { position: 'right', labels: { color: cssVar('--text'), boxWidth: 12 } },
        },
      },
    });
  }

  /**
   * @param {string} tbodyId
   * @param {string} rowTestId
   * @param {TopItem[]} items
   * @param {string} emptyText
   */
  function renderTop(tbodyId, rowTestId, items, emptyText) {
    const tbody = $(`#${tbodyId}`);
    if (items.length === 0) {
      emptyRow(tbody, 2, emptyText);
      return;
    }
    const max = Math.max(...items.map((item) => item.messages), 1);
    tbody.replaceChildren(
      ...items.map((item) => {
        const fill = el('span');
        // CSSOM, not a style attribute: allowed under the page's CSP.
        fill.style.width = `${Math.round((item.messages / max) * 100)}%`;
        return el('tr', { data: { testid: rowTestId, key: item.key, messages: item.messages } }, [
          el('td', { className: 'key' }, [
            el('span', { text: item.key }),
            el('span', { className: 'bar', attrs: { 'aria-hidden': 'true' } }, [fill]),
          ]),
          el('td', { className: 'num', text: formatNumber(item.messages) }),
        ]);
      }),
    );
  }

  /**
   * @param {DeliveryKind} kind
   * @param {DeliveryPage} page
   */
  function renderDeliveries(kind, page) {
    const items = Array.isArray(page.items) ? page.items : [];
    const tbody = $(`#${kind}-rows`);
    const more = page.nextCursor ? '+' : '';
    $(`#${kind}-count`).textContent = `(${items.length}${more})`;
    $(`#${kind}-count`).dataset.count = String(items.length);
    if (kind === 'dead') $('#retry-all').hidden = items.length === 0;
    if (items.length === 0) {
      emptyRow(tbody, 6, kind === 'dead' ? 'No dead deliveries.' : 'Nothing is failing.');
      return;
    }
    tbody.replaceChildren(
      ...items.map((delivery) => {
        const button = el('button', {
          className: 'retry',
          text: 'Retry',
          attrs: {
            type: 'button',
            'data-testid': 'retry',
            'aria-label': `Retry ${delivery.listener} for ${delivery.messageKey}`,
          },
        });
        button.addEventListener('click', () => void retry(delivery, button));
        const when = kind === 'dead' ? delivery.updatedAt : delivery.nextAttemptAt;
        return el(
          'tr',
          {
            data: {
              testid: `${kind}-delivery-row`,
              id: delivery.id,
              listener: delivery.listener,
              messageKey: delivery.messageKey,
              status: delivery.status,
            },
          },
          [
            el('td', { className: 'wrap', text: delivery.listener, data: { label: 'Listener' } }),
            el('td', { className: 'key', text: delivery.messageKey, data: { label: 'Message' } }),
            el('td', {
              className: 'num',
              text: formatNumber(delivery.attempts),
              data: { label: 'Attempts' },
            }),
            el('td', {
              className: 'error-text',
              text: delivery.lastError ?? '–',
              data: { label: 'Last error' },
            }),
            el('td', {
              text: formatWhen(when),
              title: when ?? '',
              data: { label: kind === 'dead' ? 'Gave up' : 'Next attempt' },
            }),
            el('td', { className: 'action' }, [button]),
          ],
        );
      }),
    );
  }

  function clearTables() {
    for (const id of [
      'attachments-rows',
      'top-conversations-rows',
      'top-senders-rows',
      'dead-rows',
      'failed-rows',
      'heatmap-rows',
      'waits-rows',
      'conversation-messages',
    ]) {
      $(`#${id}`).replaceChildren();
    }
    clearSupportTimes();
    state.support = null;
    $('#conversation').hidden = true;
    for (const id of ['dead-count', 'failed-count']) {
      $(`#${id}`).textContent = '';
      delete $(`#${id}`).dataset.count;
    }
    $('#deliveries-notice').textContent = '';
    for (const node of $$('[data-error]')) showError(node.dataset.error ?? '', null);
  }

  // ---------------------------------------------------------------- the support tab

  /** @param {string} label the API's bucket label, `0-1m` … `24h+` */
  const bucketText = (label) => label.replace('-', '–').replace(/(\d)([mh])/g, '$1 $2');

  /**
   * The headline figures on the chosen clock.
   * @param {SupportSummary} summary
   * @param {ClockName} clock
   */
  function renderSupportSummary(summary, clock) {
    const first = summary.firstResponse[clock];
    const reply = summary.reply[clock];
    const on = CLOCKS[clock];
    const answered = `${formatNumber(first.count)} answered · ${on}`;
    const replies = `${formatNumber(reply.count)} replies · ${on}`;
    setStat('stat-first-response-median', first.medianMs, formatDelay(first.medianMs), answered);
    setStat('stat-first-response-p90', first.p90Ms, formatDelay(first.p90Ms), answered);
    setStat('stat-reply-median', reply.medianMs, formatDelay(reply.medianMs), replies);
    setStat('stat-reply-p90', reply.p90Ms, formatDelay(reply.p90Ms), replies);
    const sessions = summary.sessions;
    setStat(
      'stat-sessions',
      sessions.started,
      formatNumber(sessions.started),
      `${formatNumber(sessions.customerInitiated)} by customers, ${formatNumber(sessions.agentInitiated)} by agents`,
    );
    setStat(
      'stat-unanswered',
      sessions.unanswered,
      formatNumber(sessions.unanswered),
      sessions.unanswered === 1 ? 'a customer still waiting' : 'customers still waiting',
    );
  }

  /**
   * The buckets of first response and reply times, as a chart and a table, and each time's figures.
   * @param {ResponseTimes} times
   * @param {ClockName} clock
   */
  function renderResponseTimes(times, clock) {
    const first = times.firstResponse[clock];
    const reply = times.reply[clock];
    const labels = first.buckets.map((bucket) => bucket.label);
    const firstCounts = first.buckets.map((bucket) => bucket.count);
    const replyCounts = reply.buckets.map((bucket) => bucket.count);

    const figure = $('#distribution-chart');
    figure.dataset.clock = clock;
    figure.dataset.firstResponses = String(first.count);
    figure.dataset.replies = String(reply.count);
    $('#distribution-canvas').setAttribute(
      'aria-label',
      `${formatNumber(first.count)} first responses and ${formatNumber(reply.count)} replies by time, ${CLOCKS[clock]}`,
    );
    $('#distribution-rows').replaceChildren(
      ...labels.map((label, index) =>
        el(
          'tr',
          {
            data: {
              testid: 'distribution-row',
              label,
              firstResponses: firstCounts[index],
              replies: replyCounts[index] ?? 0,
            },
          },
          [
            el('th', { text: bucketText(label), attrs: { scope: 'row' } }),
            el('td', { className: 'num', text: formatNumber(firstCounts[index]) }),
            el('td', { className: 'num', text: formatNumber(replyCounts[index] ?? 0) }),
          ],
        ),
      ),
    );

    /** @type {[string, string, Figures][]} */
    const rows = [
      ['firstResponse', 'First response', first],
      ['firstResponseWithBots', 'With bots', times.firstResponseWithBots[clock]],
      ['handoff', 'Hand-off', times.handoff[clock]],
      ['reply', 'Reply', reply],
    ];
    $('#figures-rows').replaceChildren(
      ...rows.map(([name, text, figures]) =>
        el(
          'tr',
          {
            data: {
              testid: 'figures-row',
              name,
              count: figures.count,
              median: figures.medianMs ?? '',
              p90: figures.p90Ms ?? '',
            },
          },
          [
            el('th', { text, attrs: { scope: 'row' } }),
            el('td', { className: 'num', text: formatNumber(figures.count) }),
            el('td', { className: 'num', text: formatDelay(figures.medianMs) }),
            el('td', { className: 'num', text: formatDelay(figures.p90Ms) }),
            el('td', { className: 'num', text: formatDelay(figures.meanMs) }),
          ],
        ),
      ),
    );

    if (typeof window.Chart !== 'function') {
      showError('responseTimes', 'The chart library did not load; the numbers are below.');
      return;
    }
    const display = labels.map(bucketText);
    const chart = state.charts.distribution;
    if (chart) {
      chart.data.labels = display;
      chart.data.datasets[0].data = firstCounts;
      chart.data.datasets[1].data = replyCounts;
      chart.update('none');
      return;
    }
    state.charts.distribution = new window.Chart($as(HTMLCanvasElement, '#distribution-canvas'), {
      type: 'bar',
      data: {
        labels: display,
        datasets: [
          {
            label: 'First responses',
            data: firstCounts,
            backgroundColor: cssVar('--series-1'),
            borderRadius: 3,
          },
          {
            label: 'Replies',
            data: replyCounts,
            backgroundColor: cssVar('--series-2'),
            borderRadius: 3,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { color: cssVar('--muted') }, grid: { display: false } },
          y: {
            beginAtZero: true,
            ticks: { precision: 0, color: cssVar('--muted') },
            grid: { color: cssVar('--border') },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: cssVar('--text'), boxWidth: 12 } },
        },
      },
    });
  }

  /**
   * Weekday × hour, the busier the darker: a table, so that every count is read out with its
   * day and hour, coloured through a custom property (CSSOM, allowed under the page's CSP).
   * @param {Heatmap} heatmap
   */
  function renderHeatmap(heatmap) {
    const hours = $('#heatmap-hours');
    if (hours.children.length === 1) {
      for (let hour = 0; hour < 24; hour += 1) {
        hours.append(el('th', { text: String(hour).padStart(2, '0'), attrs: { scope: 'col' } }));
      }
    }
    const cells = Array.isArray(heatmap.cells) ? heatmap.cells : [];
    const max = Math.max(1, ...cells.flat());
    const table = $('#heatmap');
    table.dataset.total = String(heatmap.total);
    table.dataset.tz = heatmap.tz;
    $('#heatmap-note').textContent =
      `Customer messages by weekday and hour in ${heatmap.tz}: ${formatNumber(heatmap.total)} in the range.`;
    $('#heatmap-rows').replaceChildren(
      ...heatmap.days.map((day, dayIndex) => {
        const name = DAY_NAMES[day] ?? day;
        const row = cells[dayIndex] ?? [];
        return el('tr', { data: { day } }, [
          el('th', { text: name, attrs: { scope: 'row' } }),
          ...Array.from({ length: 24 }, (_, hour) => {
            const count = row[hour] ?? 0;
            const cell = el('td', {
              className: count === 0 ? 'zero' : count / max > 0.55 ? 'hot' : '',
              text: formatNumber(count),
              title: `${name} ${String(hour).padStart(2, '0')}:00: ${formatNumber(count)} customer messages`,
              data: { testid: 'heatmap-cell', day, hour, count },
            });
            cell.style.setProperty('--heat', (count / max).toFixed(3));
            return cell;
          }),
        ]);
      }),
    );
  }

  /** @param {Waits} waits */
  function renderWaits(waits) {
    const items = Array.isArray(waits.items) ? waits.items : [];
    const tbody = $('#waits-rows');
    if (items.length === 0) {
      emptyRow(tbody, 5, 'No customer waited in this range.');
      return;
    }
    tbody.replaceChildren(
      ...items.map((wait) => {
        // The link names the admin API route; a click shows its answer here, with the token.
        const link = el('a', {
          text: wait.conversationKey,
          attrs: {
            href: wait.link,
            'data-testid': 'wait-link',
            'aria-controls': 'conversation',
          },
        });
        link.addEventListener('click', (event) => {
          event.preventDefault();
          void showConversation(wait);
        });
        return el(
          'tr',
          {
            data: {
              testid: 'wait-row',
              conversation: wait.conversationKey,
              messageKey: wait.customerMessageKey,
              waitMs: wait.waitMs,
              answered: String(wait.answered),
            },
          },
          [
            el('td', { className: 'key', data: { label: 'Conversation' } }, [link]),
            el('td', {
              text: formatWhen(wait.waitStartedAt),
              title: wait.waitStartedAt,
              data: { label: 'Customer wrote' },
            }),
            el('td', { className: 'num', text: formatDelay(wait.waitMs), data: { label: 'Wait' } }),
            el('td', {
              className: 'num',
              text: formatDelay(wait.businessWaitMs),
              data: { label: 'In business hours' },
            }),
            el('td', {
              className: wait.answered ? '' : 'open',
              text: wait.answered ? formatWhen(wait.answeredAt) : 'Still waiting',
              title: wait.answeredAt ?? '',
              data: { label: 'Answered' },
            }),
          ],
        );
      }),
    );
  }

  /**
   * The conversation of a wait, oldest message first, the one that started the wait marked.
   * @param {WaitItem} wait
   */
  async function showConversation(wait) {
    state.conversationCall += 1;
    const call = state.conversationCall;
    const box = $('#conversation');
    box.hidden = false;
    box.dataset.conversation = wait.conversationKey;
    $('#conversation-title').textContent = `${wait.conversationKey} · loading…`;
    $('#conversation-messages').replaceChildren();
    showError('conversation', null);
    try {
      const page = /** @type {MessagePage} */ (await api(wait.link));
      if (call !== state.conversationCall || !state.signedIn) return;
      const items = [...page.items].reverse();
      const more = page.nextCursor ? 'latest ' : '';
      $('#conversation-title').textContent =
        `${wait.conversationKey} · ${more}${formatNumber(items.length)} messages`;
      $('#conversation-messages').replaceChildren(
        ...items.map((message) =>
          el(
            'li',
            {
              className: message.key === wait.customerMessageKey ? 'waited' : '',
              data: { testid: 'conversation-message', key: message.key },
            },
            [
              el('span', {
                className: 'when',
                text: formatWhen(new Date(message.timeStamp).toISOString()),
              }),
              el('span', { className: 'from', text: message.from }),
              el('span', { className: 'text', text: message.text }),
            ],
          ),
        ),
      );
    } catch (error) {
      if (call !== state.conversationCall) return;
      if (error instanceof ApiError && error.status === 401) {
        signOut('The admin token was refused. Enter it again.');
        return;
      }
      $('#conversation-title').textContent = wait.conversationKey;
      showError('conversation', error);
    }
  }

  /** Draws the figures the clock switch changes, from the answers already here. */
  function renderClocked() {
    const data = state.support;
    if (!data) return;
    showError('supportSummary', data.summary.ok ? null : data.summary.error);
    if (data.summary.ok) renderSupportSummary(data.summary.value, state.clock);
    else clearStats($('#panel-support'));
    showError('responseTimes', data.times.ok ? null : data.times.error);
    if (data.times.ok) renderResponseTimes(data.times.value, state.clock);
    else clearSupportTimes();
  }

  function clearSupportTimes() {
    const figure = $('#distribution-chart');
    for (const name of ['clock', 'firstResponses', 'replies']) delete figure.dataset[name];
    $('#distribution-rows').replaceChildren();
    $('#figures-rows').replaceChildren();
    state.charts.distribution?.destroy();
    state.charts.distribution = null;
  }

  // ---------------------------------------------------------------- actions

  /**
   * @param {Delivery} delivery
   * @param {HTMLButtonElement} button
   */
  async function retry(delivery, button) {
    button.disabled = true;
    button.textContent = 'Retrying…';
    try {
      await api(`/api/deliveries/${encodeURIComponent(delivery.id)}/retry`, 'POST');
      button.closest('tr')?.remove();
      $('#deliveries-notice').textContent =
        `Retry scheduled: ${delivery.listener} for ${delivery.messageKey}.`;
      showError('deliveries', null);
      await refreshDeliveries();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut('The admin token was refused. Enter it again.');
        return;
      }
      button.disabled = false;
      button.textContent = 'Retry';
      showError('deliveries', error);
    }
  }

  async function retryAllDead() {
    if (!window.confirm('Make every dead delivery due now?')) return;
    const button = $as(HTMLButtonElement, '#retry-all');
    button.disabled = true;
    try {
      const result = /** @type {{ count: number }} */ (
        await api('/api/deliveries/retry?status=dead', 'POST')
      );
      $('#deliveries-notice').textContent =
        `Retry scheduled for ${formatNumber(result.count)} dead deliveries.`;
      await refreshDeliveries();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        signOut('The admin token was refused. Enter it again.');
      else showError('deliveries', error);
    } finally {
      button.disabled = false;
    }
  }

  async function refreshDeliveries() {
    // Only the latest call renders: an older answer may still list a delivery just retried.
    if (!state.signedIn) return false;
    state.deliveriesCall += 1;
    const call = state.deliveriesCall;
    const results = await Promise.all(
      ['dead', 'failed'].map((status) =>
        settle(
          /** @type {Promise<DeliveryPage>} */ (
            api(`/api/deliveries${query({ status, limit: 50 })}`)
          ),
        ),
      ),
    );
    if (!state.signedIn) return false; // signed out meanwhile
    if (unauthorized(results)) {
      signOut('The admin token was refused. Enter it again.');
      return false;
    }
    if (call !== state.deliveriesCall) return true;
    const [dead, failed] = results;
    const failure = results.find((result) => !result.ok);
    showError('deliveries', failure ? failure.error : null);
    if (dead.ok) renderDeliveries('dead', dead.value);
    if (failed.ok) renderDeliveries('failed', failed.value);
    return true;
  }

  /**
   * The range every card covers, starting on a bucket boundary so that the
   * chart's buckets and the totals count the same hours: the current hour and
   * the 47 before it, or today and the 29 days before it (midnight at the
   * offset sent as `tz`, else UTC). `until` is left open: up to now.
   */
  /**
   * @param {Bucket} bucket
   * @returns {{ since: string, tz: string | undefined }}
   */
  function rangeFor(bucket) {
    const hour = 3600000;
    const now = Date.now();
    const tz = tzOffset();
    if (bucket === 'hour') {
      return { since: new Date(Math.floor(now / hour) * hour - 47 * hour).toISOString(), tz };
    }
    const day = 24 * hour;
    const offset = tz === undefined ? 0 : -new Date().getTimezoneOffset() * 60000;
    const midnight = Math.floor((now + offset) / day) * day - offset;
    return { since: new Date(midnight - 29 * day).toISOString(), tz };
  }

  /**
   * Whether an answer for this range and tab is still wanted: not when the person signed
   * out, switched the range or the tab meanwhile.
   * @param {Bucket} bucket
   * @param {Tab} tab
   */
  const current = (bucket, tab) => state.signedIn && bucket === state.bucket && tab === state.tab;

  /**
   * The overview's cards; false when it stopped (signed out, switched, refused).
   * @param {Bucket} bucket
   * @returns {Promise<boolean>}
   */
  async function refreshOverview(bucket) {
    const { since, tz } = rangeFor(bucket);
    const range = { since };
    const [series, summary, conversations, senders, attachments] = await Promise.all([
      settle(
        /** @type {Promise<Timeseries>} */ (
          api(`/api/analytics/timeseries${query({ bucket, since, tz })}`)
        ),
      ),
      settle(/** @type {Promise<Summary>} */ (api(`/api/analytics/summary${query(range)}`))),
      settle(
        /** @type {Promise<Top>} */ (
          api(`/api/analytics/top${query({ by: 'conversation', limit: 10, ...range })}`)
        ),
      ),
      settle(
        /** @type {Promise<Top>} */ (
          api(`/api/analytics/top${query({ by: 'sender', limit: 10, ...range })}`)
        ),
      ),
      settle(
        /** @type {Promise<Attachments>} */ (api(`/api/analytics/attachments${query(range)}`)),
      ),
    ]);
    if (!current(bucket, 'overview')) return false; // signed out or switched meanwhile
    if (unauthorized([series, summary, conversations, senders, attachments])) {
      signOut('The admin token was refused. Enter it again.');
      return false;
    }

    $('#range-label').textContent = `${RANGES[bucket].label} · since ${formatWhen(range.since)}`;

    showError('timeseries', series.ok ? null : series.error);
    if (series.ok) renderTimeseries(series.value);
    else clearTimeseries();

    showError('summary', summary.ok ? null : summary.error);
    if (summary.ok) renderSummary(summary.value);
    else clearStats($('#panel-overview'));

    showError('topConversations', conversations.ok ? null : conversations.error);
    if (conversations.ok)
      renderTop(
        'top-conversations-rows',
        'top-conversation-row',
        conversations.value.items,
        'No conversations.',
      );
    else $('#top-conversations-rows').replaceChildren();

    showError('topSenders', senders.ok ? null : senders.error);
    if (senders.ok)
      renderTop('top-senders-rows', 'top-sender-row', senders.value.items, 'No senders.');
    else $('#top-senders-rows').replaceChildren();

    showError('attachments', attachments.ok ? null : attachments.error);
    if (attachments.ok) renderAttachments(attachments.value);
    else $('#attachments-rows').replaceChildren();

    return refreshDeliveries();
  }

  /**
   * The support tab's cards over the same range; false when it stopped.
   * @param {Bucket} bucket
   * @returns {Promise<boolean>}
   */
  async function refreshSupport(bucket) {
    const { since } = rangeFor(bucket);
    const range = { since };
    const [summary, times, heatmap, waits] = await Promise.all([
      settle(/** @type {Promise<SupportSummary>} */ (api(`/api/support/summary${query(range)}`))),
      settle(
        /** @type {Promise<ResponseTimes>} */ (api(`/api/support/response-times${query(range)}`)),
      ),
      settle(
        /** @type {Promise<Heatmap>} */ (
          api(`/api/support/heatmap${query({ ...range, tz: timeZoneName() })}`)
        ),
      ),
      settle(
        /** @type {Promise<Waits>} */ (
          api(`/api/support/waits${query({ ...range, limit: WAITS_SHOWN })}`)
        ),
      ),
    ]);
    if (!current(bucket, 'support')) return false;
    if (unauthorized([summary, times, heatmap, waits])) {
      signOut('The admin token was refused. Enter it again.');
      return false;
    }

    $('#range-label').textContent = `${RANGES[bucket].span} · since ${formatWhen(since)}`;
    state.support = { summary, times };
    renderClocked();

    showError('heatmap', heatmap.ok ? null : heatmap.error);
    if (heatmap.ok) renderHeatmap(heatmap.value);
    else $('#heatmap-rows').replaceChildren();

    showError('waits', waits.ok ? null : waits.error);
    if (waits.ok) renderWaits(waits.value);
    else $('#waits-rows').replaceChildren();
    return true;
  }

  async function refresh() {
    if (!state.signedIn) return;
    if (state.loading) {
      state.again = true;
      return;
    }
    state.loading = true;
    clearTimeout(state.timer);
    document.body.dataset.state = 'loading';
    $as(HTMLButtonElement, '#refresh').disabled = true;
    try {
      const done =
        state.tab === 'support'
          ? await refreshSupport(state.bucket)
          : await refreshOverview(state.bucket);
      if (!done) return;

      state.lastUpdated = new Date();
      state.refreshes += 1;
      const updated = $('#last-updated');
      updated.textContent = `Updated ${timeFormat.format(state.lastUpdated)}`;
      updated.dataset.updatedAt = state.lastUpdated.toISOString();
      updated.classList.remove('stale');
      document.body.dataset.refreshes = String(state.refreshes);
    } catch (error) {
      // A bug here must not stop the refresh loop; show it where it is seen.
      const updated = $('#last-updated');
      updated.textContent = `Refresh failed: ${error instanceof Error ? error.message : String(error)}`;
      updated.classList.add('stale');
    } finally {
      state.loading = false;
      $as(HTMLButtonElement, '#refresh').disabled = false;
      if (state.signedIn) {
        document.body.dataset.state = 'ready';
        if (state.again) {
          state.again = false;
          void refresh();
        } else {
          schedule();
        }
      }
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      // A hidden tab does not poll; it catches up when it is shown again.
      if (document.visibilityState === 'visible') void refresh();
      else schedule();
    }, REFRESH_MS);
  }

  /** @param {string | undefined} bucket a button's data-bucket */
  function setBucket(bucket) {
    if (!isBucket(bucket) || bucket === state.bucket) return;
    state.bucket = bucket;
    for (const button of $$('[data-bucket]')) {
      button.setAttribute('aria-pressed', String(button.dataset.bucket === bucket));
    }
    void refresh();
  }

  /**
   * Shows a tab's panel and loads its figures (WAI-ARIA tabs: the selected tab alone is in
   * the tab order, the arrow keys move between tabs).
   * @param {string | undefined} tab a tab's data-tab
   * @param {boolean} [focus] move the focus to it (keyboard)
   */
  function setTab(tab, focus = false) {
    if (!isTab(tab)) return;
    for (const button of $$('[role="tab"]')) {
      const selected = button.dataset.tab === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    $('#panel-overview').hidden = tab !== 'overview';
    $('#panel-support').hidden = tab !== 'support';
    if (tab === state.tab) return;
    state.tab = tab;
    $('#range-label').textContent = '';
    void refresh();
  }

  /** @param {KeyboardEvent} event */
  function tabKeys(event) {
    const tabs = $$('[role="tab"]');
    const at = tabs.findIndex((button) => button.dataset.tab === state.tab);
    const next =
      event.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : event.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? tabs.length - 1
              : -1;
    if (next < 0) return;
    event.preventDefault();
    setTab(tabs[next].dataset.tab, true);
  }

  /** @param {string | undefined} clock a button's data-clock */
  function setClock(clock) {
    if (!isClock(clock) || clock === state.clock) return;
    state.clock = clock;
    for (const button of $$('[data-clock]')) {
      button.setAttribute('aria-pressed', String(button.dataset.clock === clock));
    }
    renderClocked();
  }

  /** `2026-11-27T12:00:00.000Z` → `20261127T1200Z`: a file name part every system accepts. */
  const fileStamp = (/** @type {string} */ iso) =>
    iso
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')
      .replace(/(T\d{4})\d{2}Z$/, '$1Z');

  /**
   * Saves the sessions of the range as CSV. A plain link cannot send the admin token, so the
   * file is fetched with it and handed to the browser as a blob.
   */
  async function downloadSessions() {
    const button = $as(HTMLButtonElement, '#download-sessions');
    button.disabled = true;
    showError('supportDownload', null);
    const { since } = rangeFor(state.bucket);
    const until = new Date().toISOString();
    try {
      const response = await request(
        `/api/support/sessions${query({ format: 'csv', since, until })}`,
        'GET',
        'text/csv',
      );
      if (!response.ok) throw refusal(response, await jsonOf(response));
      const blob = await response.blob();
      const named = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '');
      const url = URL.createObjectURL(blob);
      const link = el('a', {
        attrs: {
          href: url,
          download: named
            ? named[1]
            : `kommhook-sessions-${fileStamp(since)}-${fileStamp(until)}.csv`,
        },
      });
      document.body.append(link);
      link.click();
      link.remove();
      // The download has its own copy once it started; the blob is only kept a moment longer.
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        signOut('The admin token was refused. Enter it again.');
      else showError('supportDownload', error);
    } finally {
      button.disabled = false;
    }
  }

  function showDashboard() {
    state.signedIn = true;
    $('#login').hidden = true;
    $('#dashboard').hidden = false;
    $('#toolbar').hidden = false;
    void refresh();
  }

  function signOut(message = '') {
    sessionStorage.removeItem(TOKEN_KEY);
    state.signedIn = false;
    state.again = false;
    clearTimeout(state.timer);
    state.charts.messages?.destroy();
    state.charts.attachments?.destroy();
    state.charts.distribution?.destroy();
    state.charts = { messages: null, attachments: null, distribution: null };
    clearStats();
    clearTimeseries();
    clearTables();
    $('#range-label').textContent = '';
    $('#last-updated').textContent = 'Not loaded yet';
    $('#dashboard').hidden = true;
    $('#toolbar').hidden = true;
    $('#login').hidden = false;
    $('#login-message').textContent = message;
    document.body.dataset.state = 'signed-out';
    const input = $as(HTMLInputElement, '#token');
    input.value = '';
    input.focus();
  }

  /** Checks the token with one small authenticated request before showing anything. */
  /** @param {string} value */
  async function signIn(value) {
    if (!value) return;
    const button = $as(HTMLButtonElement, '[data-testid="token-submit"]');
    button.disabled = true;
    $('#login-message').textContent = '';
    sessionStorage.setItem(TOKEN_KEY, value);
    try {
      await api(`/api/deliveries${query({ status: 'dead', limit: 1 })}`);
      showDashboard();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('#login-message').textContent =
        error instanceof ApiError && error.status === 401
          ? 'That token was refused. Check it and try again.'
          : `The token could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      $as(HTMLInputElement, '#token').select();
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- wiring

  function start() {
    $('#login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void signIn($as(HTMLInputElement, '#token').value.trim());
    });
    $('#sign-out').addEventListener('click', () => signOut());
    $('#refresh').addEventListener('click', () => void refresh());
    $('#retry-all').addEventListener('click', () => void retryAllDead());
    for (const button of $$('[data-bucket]')) {
      button.addEventListener('click', () => setBucket(button.dataset.bucket));
    }
    for (const button of $$('[role="tab"]')) {
      button.addEventListener('click', () => setTab(button.dataset.tab));
    }
    $('[role="tablist"]').addEventListener('keydown', tabKeys);
    for (const button of $$('[data-clock]')) {
      button.addEventListener('click', () => setClock(button.dataset.clock));
    }
    $('#download-sessions').addEventListener('click', () => void downloadSessions());
    document.addEventListener('visibilitychange', () => {
      const stale = !state.lastUpdated || Date.now() - state.lastUpdated.getTime() >= REFRESH_MS;
      if (document.visibilityState === 'visible' && state.signedIn && stale) void refresh();
    });

    if (token()) showDashboard();
    else signOut();
  }

  start();
})();
