// The runs: a filterable, paged list, and a run's page (fields, inputs, metrics, log tail,
// notifications).

import {ApiError, getJson, getText, pathPart} from './api.js';
import {cancel} from './actions.js';
import {badge, el, fields, runLink, td} from './ui.js';

const kStatuses = ['', 'running', 'waiting', 'completed', 'failed', 'timed_out', 'skipped',
                   'missed', 'interrupted', 'abandoned', 'missed_inputs', 'upstream_failed',
                   'cancelled'];
const kTriggers = ['', 'schedule', 'catchup', 'manual', 'retry', 'backfill'];
const kPageSize = 50;

function select(name, values, chosen) {
  return el('select', {name, id: 'filter-' + name},
            values.map((value) => el('option', {value, selected: value === chosen,
                                                text: value || 'any'})));
}

function runsTable(runs) {
  if (!runs.length) {
    return el('p', {text: 'No run matches.'});
  }
  return el('div', {class: 'scroll'}, el('table', {class: 'cards runs'},
      el('thead', {}, el('tr', {}, ['Run', 'Team', 'Pipeline', 'Run date', 'Status',
                                    'Triggered by', 'Started', 'Duration'].map(
          (name) => el('th', {text: name})))),
      el('tbody', {}, runs.map((run) => el('tr', {'data-run': run.run_id},
          td('Run', runLink(run.run_id)),
          td('Team', String(run.team ?? '')),
          td('Pipeline', String(run.pipeline ?? '')),
          td('Run date', String(run.run_date ?? '')),
          td('Status', badge(run.status)),
          td('Triggered by', String(run.triggered_by ?? '')),
          td('Started', String(run.started_at ?? '')),
          td('Duration', run.duration_ms === null || run.duration_ms === undefined ? '' :
                             (run.duration_ms / 1000).toFixed(1) + ' s'))))));
}

// `params`: the filters from the address (#/runs?team=7&status=failed). The form changes the
// address, so a filtered list can be bookmarked; the cursors of the pages seen are kept so that
// "previous" works.
export function showRuns(root, params) {
  const filters = {team: params.get('team') || '', status: params.get('status') || '',
                   triggered_by: params.get('triggered_by') || ''};
  // The page size: 50, or the address's limit (#/runs?limit=10).
  const asked = params.get('limit') || '';
  const limit = /^[0-9]+$/.test(asked) ? asked : String(kPageSize);
  const cursors = [null];
  let page = 0;
  let next = null;
  const list = el('div', {id: 'runs-list'});
  const previous = el('button', {type: 'button', id: 'runs-previous', text: '\u2190 Newer'});
  const more = el('button', {type: 'button', id: 'runs-next', text: 'Older \u2192'});
  const form = el('form', {class: 'filters', id: 'runs-filters'},
      el('label', {}, 'Team', el('input', {name: 'team', id: 'filter-team', value: filters.team,
                                          placeholder: 'id or general', size: 10})),
      el('label', {}, 'Status', select('status', kStatuses, filters.status)),
      el('label', {}, 'Triggered by', select('triggered_by', kTriggers, filters.triggered_by)),
      el('button', {type: 'submit', text: 'Filter'}));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of ['team', 'status', 'triggered_by']) {
      const value = form.elements[name].value.trim();
      if (value) {
        query.set(name, value);
      }
    }
    location.hash = '#/runs' + (query.toString() ? '?' + query.toString() : '');
  });

  async function load() {
    const query = new URLSearchParams({limit});
    for (const [name, value] of Object.entries(filters)) {
      if (value) {
        query.set(name, value);
      }
    }
    if (cursors[page]) {
      query.set('cursor', cursors[page]);
    }
    const answer = await getJson('/api/v1/runs?' + query.toString());
    next = answer.next_cursor || null;
    list.replaceChildren(runsTable(answer.runs || []));
    previous.disabled = page === 0;
    more.disabled = !next;
  }
  previous.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    load().catch(() => {});
  });
  more.addEventListener('click', () => {
    if (next) {
      cursors[page + 1] = next;
      page += 1;
      load().catch(() => {});
    }
  });
  root.replaceChildren(el('h1', {text: 'Runs'}), form, list,
                       el('div', {class: 'pager'}, previous, more));
  return load().then(() => load);
}

function notificationsTable(list) {
  if (!Array.isArray(list) || !list.length) {
    return el('p', {text: 'No notification for this run.'});
  }
  return el('div', {class: 'scroll'}, el('table', {class: 'cards notifications'},
      el('thead', {}, el('tr', {}, ['Event', 'Channel', 'Target', 'Status', 'Attempts',
                                    'Sent', 'Last error'].map((name) => el('th', {text: name})))),
      el('tbody', {}, list.map((n) => el('tr', {},
          td('Event', String(n.event ?? '')), td('Channel', String(n.channel ?? '')),
          td('Target', String(n.target ?? '')), td('Status', String(n.status ?? '')),
          td('Attempts', String(n.attempts ?? '')), td('Sent', String(n.sent_at ?? '')),
          td('Last error', String(n.last_error ?? '')))))));
}

function pretty(value) {
  return el('pre', {class: 'json',
                    text: value === null || value === undefined ? '\u2014' :
                          typeof value === 'string' ? value : JSON.stringify(value, null, 2)});
}

export async function showRun(root, runId, context) {
  const run = await getJson('/api/v1/runs/' + pathPart(runId));
  let log;
  try {
    log = await getText('/api/v1/runs/' + pathPart(runId) + '/log?tail=200');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) {
      throw e;
    }
    log = '(' + e.message + ')';
  }
  const skip = new Set(['inputs', 'metrics', 'notifications']);
  const entries = Object.entries(run).filter(([name]) => !skip.has(name))
                      .map(([name, value]) => [name, name === 'status' ? badge(value) : value]);
  const title = el('h1', {}, 'Run ', el('span', {id: 'run-id', text: run.run_id}));
  if (context.admin && run.status === 'running') {
    title.append(' ', el('button', {type: 'button', class: 'act-cancel danger',
                                    text: 'Cancel run', onclick: () => cancel(run.run_id)}));
  }
  root.replaceChildren(
      title,
      el('div', {id: 'run-fields'}, fields(entries)),
      el('h2', {text: 'Inputs'}), pretty(run.inputs),
      el('h2', {text: 'Metrics'}), pretty(run.metrics),
      el('h2', {text: 'Log (last 200 lines)'}), el('pre', {class: 'log', id: 'run-log', text: log}),
      el('h2', {text: 'Notifications'}), notificationsTable(run.notifications),
      el('p', {}, el('a', {href: '#/runs?team=' + encodeURIComponent(run.team ?? ''),
                           text: '\u2190 Runs of this team'})));
}
