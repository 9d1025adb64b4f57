// The calendar: teams x the last 30 days, a cell per team-day with its outcome or the reason
// nothing ran; a click opens that day's "why".

import {getJson} from './api.js';
import {badge, el, fields, outcomeCell, outcomeInfo, outcomeNames, runLink, teamLabel,
        utcDate} from './ui.js';

function legend() {
  return el('div', {class: 'legend', id: 'legend'}, outcomeNames().map((name) => {
    const info = outcomeInfo(name);
    return el('span', {}, outcomeCell(name, info.words), info.words);
  }));
}

async function calendarPages(from, to) {
  const dates = [];
  const teams = [];
  let cursor = null;
  for (let page = 0; page < 50; ++page) {
    let url = '/api/v1/calendar?from=' + from + '&to=' + to;
    if (cursor) {
      url += '&cursor=' + encodeURIComponent(cursor);
    }
    const answer = await getJson(url);
    if (!dates.length && Array.isArray(answer.dates)) {
      dates.push(...answer.dates);
    }
    teams.push(...(answer.teams || []));
    cursor = answer.next_cursor;
    if (!cursor) {
      break;
    }
  }
  return {dates, teams};
}

export async function showCalendar(root) {
  const {dates, teams} = await calendarPages(utcDate(29), utcDate(0));
  const head = el('tr', {}, el('th', {class: 'team', text: 'Team'}),
                  dates.map((date) => el('th', {class: 'date', title: date, text: date.slice(5)})));
  const rows = teams.map((team) => {
    const byDate = new Map((team.days || []).map((day) => [day.date, day]));
    const row = el('tr', {'data-team': team.id}, el('td', {class: 'team'}, teamLabel(team)));
    for (const date of dates) {
      const day = byDate.get(date);
      if (!day) {
        row.append(el('td'));
        continue;
      }
      const label = String(team.name) + ', ' + date + ': ' + outcomeInfo(day.outcome).words +
                    (day.reason ? ' \u2014 ' + day.reason : '');
      const href = '#/why/' + encodeURIComponent(team.id) + '/' + date;
      row.append(el('td', {}, outcomeCell(day.outcome, label, 'a',
                                          {href, 'data-date': date})));
    }
    return row;
  });
  root.replaceChildren(
      el('h1', {text: 'Calendar'}),
      el('p', {class: 'sub', text: 'Every team-day of the last 30 days (UTC dates): what ran, or ' +
                                   'why nothing did. Click a day for its explanation.'}),
      el('div', {class: 'scroll'},
         el('table', {class: 'calendar'}, el('thead', {}, head), el('tbody', {}, rows))),
      legend());
}

function slotsTable(slots) {
  if (!Array.isArray(slots) || !slots.length) {
    return el('p', {text: 'No slot that day.'});
  }
  return el('div', {class: 'scroll'}, el('table', {class: 'cards slots'},
      el('thead', {}, el('tr', {}, ['Slot', 'Scheduled (UTC)', 'Local', 'Note'].map(
          (name) => el('th', {text: name})))),
      el('tbody', {}, slots.map((slot) => el('tr', {},
          el('td', {'data-label': 'Slot', text: slot.slot_key ?? ''}),
          el('td', {'data-label': 'Scheduled', text: slot.scheduled_for ?? ''}),
          el('td', {'data-label': 'Local', text: slot.local ?? ''}),
          el('td', {'data-label': 'Note', text: slot.schedule_note ?? ''}))))));
}

function attemptsTable(attempts) {
  if (!Array.isArray(attempts) || !attempts.length) {
    return el('p', {text: 'No attempt recorded that day.'});
  }
  return el('div', {class: 'scroll'}, el('table', {class: 'cards attempts'},
      el('thead', {}, el('tr', {}, ['Run', 'Status', 'Triggered by', 'Started', 'Completed',
                                    'Error'].map((name) => el('th', {text: name})))),
      el('tbody', {}, attempts.map((run) => el('tr', {},
          el('td', {'data-label': 'Run'}, run.run_id ? runLink(run.run_id) : ''),
          el('td', {'data-label': 'Status'}, badge(run.status)),
          el('td', {'data-label': 'Triggered by', text: run.triggered_by ?? ''}),
          el('td', {'data-label': 'Started', text: run.started_at ?? ''}),
          el('td', {'data-label': 'Completed', text: run.completed_at ?? ''}),
          el('td', {'data-label': 'Error', text: run.error ?? run.reason ?? ''}))))));
}

export async function showWhy(root, teamId, date) {
  const day = await getJson('/api/v1/teams/' + encodeURIComponent(teamId) + '/days/' +
                            encodeURIComponent(date));
  const team = day.team && typeof day.team === 'object' ? day.team : {id: teamId, name: day.team};
  root.replaceChildren(
      el('h1', {}, 'Why: ', teamLabel({id: team.id ?? teamId, name: team.name ?? ''}), ' on ',
         String(day.date ?? date)),
      el('div', {id: 'why'}, fields([
        ['Outcome', badge(day.outcome)],
        ['Reason', day.reason],
        ['Pipeline', day.pipeline],
        ['Schedule', day.schedule],
        ['Time zone', day.timezone],
      ])),
      el('h2', {text: 'Slots'}), slotsTable(day.slots),
      el('h2', {text: 'Attempts'}), attemptsTable(day.attempts),
      el('p', {}, el('a', {href: '#/calendar', text: '\u2190 Calendar'})));
}
