// The dashboard's entry: logging in, the views by address (#/board, #/calendar, #/runs,
// #/run/ID, #/why/TEAM/DATE), and refreshing the view every few seconds.

import {ApiError, forgetToken, getJson, setToken, setUnauthorizedHandler, token} from './api.js';
import {dialogOpen, setActionHooks} from './actions.js';
import {showBoard} from './board.js';
import {showCalendar, showWhy} from './calendar.js';
import {showRun, showRuns} from './runs.js';
import {el, tick} from './ui.js';

const kRefreshMs = 5000;
const context = {admin: false, name: ''};
let refreshView = null;  // redraws the current view with fresh data
let generation = 0;      // bumped on each navigation: a late answer for an old view is dropped

const $ = (id) => document.getElementById(id);

function showNotice(message, isError = false, runId = null) {
  const notice = $('notice');
  notice.replaceChildren(String(message));
  if (runId) {
    notice.append(' ', el('a', {href: '#/run/' + encodeURIComponent(runId), text: 'Open it'}));
  }
  notice.className = isError ? 'error' : '';
  notice.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

function showLogin(message = '') {
  refreshView = null;
  $('top').hidden = true;
  $('view').replaceChildren();
  clearNotice();
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').value = '';
  $('token').focus();
}

async function enter() {
  const me = await getJson('/api/v1/whoami');
  context.admin = me.role === 'admin';
  context.name = String(me.name);
  $('who').textContent = context.name + ' (' + String(me.role) + ')';
  $('login').hidden = true;
  $('top').hidden = false;
  await route();
}

// Which view the address names, and how to draw it.
function viewFor(hash) {
  const [path, query] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  const root = $('view');
  switch (parts[0]) {
    case 'calendar':
      return {nav: 'calendar', draw: () => showCalendar(root)};
    case 'why':
      return {nav: 'calendar', draw: () => showWhy(root, parts[1], parts[2])};
    case 'runs':
      return {nav: 'runs', draw: () => showRuns(root, params), keepsForm: true};
    case 'run':
      return {nav: 'runs', draw: () => showRun(root, parts[1], context)};
    default:
      return {nav: 'board', draw: () => showBoard(root, context)};
  }
}

async function route() {
  if (!token()) {
    showLogin();
    return;
  }
  const mine = ++generation;
  const view = viewFor(location.hash);
  for (const name of ['board', 'calendar', 'runs']) {
    $('nav-' + name).classList.toggle('current', name === view.nav);
  }
  document.body.dataset.view = view.nav;
  refreshView = null;
  try {
    const result = await view.draw();
    if (mine !== generation) {
      return;
    }
    // The runs list keeps its form and refreshes only its page; other views redraw whole.
    refreshView = view.keepsForm ? result : view.draw;
    document.body.dataset.loaded = location.hash || '#/board';
  } catch (e) {
    if (mine === generation && !(e instanceof ApiError && e.status === 401)) {
      showNotice(e.message, true);
    }
  }
}

async function refresh() {
  if (!refreshView || dialogOpen() || document.hidden) {
    return;
  }
  const mine = generation;
  try {
    await refreshView();
    if (mine === generation && $('notice').className === 'error') {
      clearNotice();
    }
  } catch (e) {
    if (mine === generation && !(e instanceof ApiError && e.status === 401)) {
      showNotice(e.message, true);
    }
  }
}

setUnauthorizedHandler(() => {
  forgetToken();
  showLogin('The token was refused: log in again.');
});
setActionHooks(showNotice, refresh);

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  setToken($('token').value.trim());
  try {
    await enter();
  } catch (e) {
    forgetToken();
    showLogin(e instanceof ApiError && e.status === 401 ? 'Wrong token.' : e.message);
  }
});
$('logout').addEventListener('click', () => {
  forgetToken();
  showLogin();
});
window.addEventListener('hashchange', () => {
  clearNotice();
  route();
});
setInterval(refresh, kRefreshMs);
setInterval(tick, 1000);

if (token()) {
  enter().catch((e) => showLogin(e.message));
} else {
  showLogin();
}
