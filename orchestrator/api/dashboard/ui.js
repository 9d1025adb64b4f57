// Building the page: every server string goes in as text (textContent), never as markup, so a
// team named "<img src=x onerror=alert(1)>" is only a name.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'class') {
      node.className = value;
    } else if (name === 'text') {
      node.textContent = String(value);
    } else if (name.startsWith('on')) {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Each outcome: a letter (so that colour is never the only sign), a colour class, and words.
const kOutcomes = {
  completed: ['C', 'ok', 'completed'],
  failed: ['F', 'bad', 'failed'],
  timed_out: ['T', 'bad', 'timed out'],
  overdue: ['O', 'bad', 'overdue: not completed by its deadline'],
  missed: ['M', 'warn', 'missed (the service was not running in time)'],
  missed_inputs: ['N', 'warn', 'missed inputs (not ready in time)'],
  upstream_failed: ['U', 'warn', 'upstream failed'],
  interrupted: ['I', 'warn', 'interrupted by a shutdown'],
  abandoned: ['A', 'warn', 'abandoned (its service died)'],
  skipped: ['S', 'info', 'skipped'],
  cancelled: ['X', 'neutral', 'cancelled'],
  running: ['R', 'run', 'running'],
  waiting: ['W', 'run', 'waiting for inputs'],
  paused: ['P', 'muted', 'paused'],
  inactive: ['\u2013', 'muted', 'inactive'],
  not_due_yet: ['\u00b7', 'none', 'not due yet'],
  no_fire_that_day: ['', 'none', 'no run scheduled that day'],
  before_team_existed: ['', 'none', 'before the team existed'],
};

export function outcomeInfo(outcome) {
  const known = kOutcomes[outcome];
  return known ? {letter: known[0], tone: known[1], words: known[2]}
               : {letter: '?', tone: 'neutral', words: String(outcome)};
}

export function outcomeNames() {
  return Object.keys(kOutcomes);
}

// A small square with the outcome's letter and colour; `label` is read out and shown on hover.
export function outcomeCell(outcome, label, tag = 'span', attributes = {}) {
  const info = outcomeInfo(outcome);
  return el(tag, {class: 'cell o-' + info.tone, title: label, 'aria-label': label,
                  'data-outcome': outcome, text: info.letter, ...attributes});
}

export function badge(outcome) {
  const info = outcomeInfo(outcome);
  return el('span', {class: 'badge o-' + info.tone, 'data-outcome': outcome,
                     text: info.letter + ' ' + String(outcome)});
}

export function isBad(outcome) {
  return ['failed', 'timed_out', 'overdue', 'missed', 'missed_inputs', 'upstream_failed',
          'interrupted', 'abandoned'].includes(outcome);
}

// "2h 05m", "4m 10s", "12s".
export function span(milliseconds) {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  if (h >= 48) {
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  if (h > 0) {
    return h + 'h ' + two(m) + 'm';
  }
  return m > 0 ? m + 'm ' + two(s) + 's' : s + 's';
}

// An element that counts down to (or up from) an instant; refreshed every second by tick().
export function countdown(utc, mode = 'until') {
  return el('span', {class: 'countdown', 'data-at': utc, 'data-mode': mode,
                     text: countdownText(utc, mode)});
}

function countdownText(utc, mode) {
  const at = Date.parse(utc);
  if (Number.isNaN(at)) {
    return '';
  }
  const now = Date.now();
  if (mode === 'since') {
    return span(now - at);
  }
  return at > now ? 'in ' + span(at - now) : 'due now';
}

export function tick() {
  for (const node of document.querySelectorAll('.countdown')) {
    node.textContent = countdownText(node.dataset.at, node.dataset.mode);
  }
}

// A UTC instant as the browser's local time, "2026-12-05 06:00:00", or '' for null.
export function localTime(utc) {
  if (!utc) {
    return '';
  }
  const at = new Date(utc);
  if (Number.isNaN(at.getTime())) {
    return String(utc);
  }
  const two = (n) => String(n).padStart(2, '0');
  return at.getFullYear() + '-' + two(at.getMonth() + 1) + '-' + two(at.getDate()) + ' ' +
         two(at.getHours()) + ':' + two(at.getMinutes()) + ':' + two(at.getSeconds());
}

// A local time as the server gives it ("2026-12-05T06:00:00+00:00") in words:
// "2026-12-05 06:00:00 +00:00". Anything else is shown as it is.
export function zonedTime(text) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d(?::\d\d)?)(?:\.\d+)?(.*)$/.exec(String(text));
  return m ? m[1] + ' ' + m[2] + (m[3] ? ' ' + m[3] : '') : String(text);
}

// Today and earlier days as YYYY-MM-DD in UTC.
export function utcDate(daysAgo = 0) {
  return new Date(Date.now() - daysAgo * 86400000).toISOString().slice(0, 10);
}

export function runLink(runId) {
  return el('a', {href: '#/run/' + encodeURIComponent(runId), class: 'run-link', text: runId});
}

export function teamLabel(team) {
  const name = team.name === undefined || team.name === null ? '' : String(team.name);
  return el('span', {}, el('span', {class: 'team-name', text: name}), ' ',
            el('span', {class: 'sub', text: '(' + team.id + ')'}));
}

// A label and value pair of a run page or a "why" page.
export function fields(entries) {
  const list = el('dl', {class: 'fields'});
  for (const [name, value] of entries) {
    list.append(el('dt', {text: name}), el('dd', {}, value instanceof Node ? value :
        (value === null || value === undefined ? '\u2014' :
         typeof value === 'object' ? JSON.stringify(value) : String(value))));
  }
  return list;
}

export function td(label, ...children) {
  return el('td', {'data-label': label}, ...children);
}
