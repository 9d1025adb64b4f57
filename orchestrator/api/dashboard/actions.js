// The admin actions (run now, pause and resume with a note, cancel), each confirmed first.

import {ApiError, pathPart, postJson} from './api.js';
import {el} from './ui.js';

let notify = () => {};
let afterAction = () => {};

// `show(message, isError, link)` reports an outcome; `refresh()` redraws the view after one.
export function setActionHooks(show, refresh) {
  notify = show;
  afterAction = refresh;
}

export function dialogOpen() {
  return document.getElementById('confirm').open;
}

// Asks `question`; resolves to the note typed (with `withNote`), '' without one, or null when
// the user cancels.
function confirmAction(question, withNote) {
  const dialog = document.getElementById('confirm');
  const note = document.getElementById('confirm-note');
  document.getElementById('confirm-text').textContent = question;
  document.getElementById('confirm-note-row').hidden = !withNote;
  note.value = '';
  return new Promise((resolve) => {
    const ok = document.getElementById('confirm-ok');
    const cancel = document.getElementById('confirm-cancel');
    const finish = (value) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      resolve(value);
    };
    const onOk = () => finish(withNote ? note.value : '');
    const onCancel = (event) => {
      event.preventDefault();
      finish(null);
    };
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    (withNote ? note : ok).focus();
  });
}

async function act(question, withNote, perform) {
  const note = await confirmAction(question, withNote);
  if (note === null) {
    return;
  }
  try {
    await perform(note);
  } catch (e) {
    notify(e instanceof ApiError ? e.message : String(e), true);
  }
  afterAction();
}

function who(team) {
  return '"' + String(team.name) + '" (' + team.id + ')';
}

export function runNow(team) {
  return act('Run ' + who(team) + ' now?', false, async () => {
    const answer = await postJson('/api/v1/teams/' + pathPart(team.id) + '/runs', {});
    notify('Started run ' + answer.run_id + ' of ' + who(team) + '.', false, answer.run_id);
  });
}

// The note says why (shown on the board while the team is paused); a resume clears it.
export function pause(team) {
  return act('Pause ' + who(team) + '? Its scheduled runs stop until it is resumed.', true,
             async (note) => {
               const body = note.trim() ? {note: note.trim()} : {};
               await postJson('/api/v1/teams/' + pathPart(team.id) + '/pause', body);
               notify('Paused ' + who(team) + '.');
             });
}

export function resume(team) {
  return act('Resume ' + who(team) + '? What it missed while paused is not replayed.', false,
             async () => {
               await postJson('/api/v1/teams/' + pathPart(team.id) + '/resume', {});
               notify('Resumed ' + who(team) + '.');
             });
}

export function cancel(runId) {
  return act('Cancel run ' + runId + '? Its pipeline is stopped.', false, async () => {
    await postJson('/api/v1/runs/' + pathPart(runId) + '/cancel', {});
    notify('Cancelling run ' + runId + '.', false, runId);
  });
}

// The buttons of one team's row on the board.
export function teamActions(team) {
  const box = el('div', {class: 'actions'});
  box.append(el('button', {type: 'button', class: 'act-run', text: 'Run now',
                           onclick: () => runNow(team)}));
  // The general run has no schedule of its own to stop.
  if (team.id === 'general') {
    // Run now only.
  } else if (team.state === 'paused') {
    box.append(el('button', {type: 'button', class: 'act-resume', text: 'Resume',
                             onclick: () => resume(team)}));
  } else if (team.state === 'active') {
    box.append(el('button', {type: 'button', class: 'act-pause', text: 'Pause',
                             onclick: () => pause(team)}));
  }
  if (team.running && team.running.run_id) {
    box.append(el('button', {type: 'button', class: 'act-cancel danger', text: 'Cancel run',
                             onclick: () => cancel(team.running.run_id)}));
  }
  return box;
}
