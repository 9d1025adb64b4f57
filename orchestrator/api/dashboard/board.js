// The board: one row per team, failed and overdue teams first, today's totals on top.

import {getAll, getJson} from './api.js';
import {teamActions} from './actions.js';
import {badge, countdown, el, isBad, localTime, outcomeCell, runLink, td, teamLabel, utcDate,
        zonedTime} from './ui.js';

function sortedOutcomes(team) {
  const outcomes = Array.isArray(team.last_outcomes) ? team.last_outcomes.slice() : [];
  // Oldest left, newest right, whatever order the server gives.
  outcomes.sort((a, b) => String(a.run_date || '').localeCompare(String(b.run_date || '')));
  return outcomes.slice(-14);
}

// 0: needs attention (overdue, or its last outcome is a failure); 1: running; 2: the rest.
function rank(team) {
  const outcomes = sortedOutcomes(team);
  const last = outcomes.length ? outcomes[outcomes.length - 1].status : null;
  if (team.overdue || isBad(last)) {
    return 0;
  }
  return team.running ? 1 : 2;
}

function totals(teams, runs) {
  const count = (test) => runs.filter(test).length;
  const tile = (name, value, id) => el('div', {class: 'total', id}, el('b', {text: value}), name);
  return el('div', {class: 'totals', id: 'totals'},
            tile('runs today', runs.length, 'total-runs'),
            tile('completed', count((r) => r.status === 'completed'), 'total-completed'),
            tile('failed', count((r) => isBad(r.status)), 'total-failed'),
            tile('running', count((r) => r.status === 'running' || r.status === 'waiting'),
                 'total-running'),
            tile('overdue teams', teams.filter((t) => t.overdue).length, 'total-overdue'),
            tile('paused teams', teams.filter((t) => t.state === 'paused').length,
                 'total-paused'));
}

function stateCell(team) {
  const cell = td('State', el('span', {class: 'badge state-' + team.state, text: team.state}));
  if (team.overdue) {
    cell.append(' ', el('span', {class: 'badge overdue', text: '! overdue'}));
  }
  if (team.pause_note) {
    cell.append(el('div', {class: 'sub pause-note', text: 'note: ' + team.pause_note}));
  }
  return cell;
}

function nextRunCell(team) {
  if (!team.next_run) {
    return td('Next run', '\u2014');
  }
  return td('Next run', el('div', {class: 'nowrap',
                                   text: team.next_run.local ? zonedTime(team.next_run.local) :
                                                               localTime(team.next_run.utc)}),
            el('div', {class: 'sub'}, countdown(team.next_run.utc)));
}

function runningCell(team) {
  const running = team.running;
  if (!running) {
    return td('Running', '\u2014');
  }
  return td('Running', runLink(running.run_id), ' ', badge(running.status || 'running'),
            running.started_at ?
                el('div', {class: 'sub'}, 'for ', countdown(running.started_at, 'since')) : null);
}

function teamRow(team, admin) {
  const strip = el('div', {class: 'strip'});
  for (const outcome of sortedOutcomes(team)) {
    const label = outcome.run_date + ': ' + outcome.status;
    strip.append(outcome.run_id ?
        outcomeCell(outcome.status, label, 'a', {href: '#/run/' + encodeURIComponent(outcome.run_id)}) :
        outcomeCell(outcome.status, label));
  }
  const row = el('tr', {class: rank(team) === 0 ? 'team attention' : 'team',
                        'data-team': team.id},
                 td('Team', el('a', {href: '#/runs?team=' + encodeURIComponent(team.id)},
                               teamLabel(team))),
                 stateCell(team),
                 td('Schedule', el('div', {class: 'nowrap', text: team.schedule || ''}),
                    el('div', {class: 'sub', text: team.timezone || ''})),
                 nextRunCell(team),
                 td('Last 14', strip),
                 runningCell(team));
  if (admin) {
    row.append(td('Actions', teamActions(team)));
  }
  return row;
}

export async function showBoard(root, context) {
  const [teams, runs] = await Promise.all([
    getAll('/api/v1/teams', 'teams'),
    getJson('/api/v1/runs?since=' + utcDate() + '&limit=1000').then((a) => a.runs || []),
  ]);
  teams.sort((a, b) => rank(a) - rank(b) ||
                       String(a.name).localeCompare(String(b.name)) ||
                       String(a.id).localeCompare(String(b.id)));
  const head = el('tr', {}, ['Team', 'State', 'Schedule', 'Next run', 'Last 14 outcomes',
                             'Running'].map((name) => el('th', {text: name})));
  if (context.admin) {
    head.append(el('th', {text: 'Actions'}));
  }
  const body = el('tbody', {}, teams.map((team) => teamRow(team, context.admin)));
  root.replaceChildren(
      el('h1', {text: 'Board'}),
      totals(teams, runs),
      teams.length ? el('div', {class: 'scroll'},
                        el('table', {class: 'cards board'}, el('thead', {}, head), body)) :
                     el('p', {text: 'No teams yet.'}));
}
