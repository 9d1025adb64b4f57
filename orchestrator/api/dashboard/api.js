// Talking to the API: the token (kept in this tab's sessionStorage, never in a cookie, so no
// other site can make the browser send it) and JSON requests with it as the bearer header.

const kTokenKey = 'orchestrator.token';

export function token() {
  return sessionStorage.getItem(kTokenKey);
}

export function setToken(value) {
  sessionStorage.setItem(kTokenKey, value);
}

export function forgetToken() {
  sessionStorage.removeItem(kTokenKey);
}

// A failed request: the HTTP status and the problem's one-line detail.
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// Called when the server answers 401: the token is wrong or was removed from the configuration.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

async function request(path, options = {}) {
  const headers = {Authorization: 'Bearer ' + (token() || '')};
  let body;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path, {method: options.method || 'GET', headers, body,
                                  cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, 'the service does not answer (' + e.message + ')');
  }
  if (response.status === 401) {
    onUnauthorized();
  }
  if (!response.ok) {
    let detail = response.status + ' ' + response.statusText;
    try {
      const problem = await response.json();
      if (problem && typeof problem.detail === 'string') {
        detail = problem.detail;
      }
    } catch (e) {
      // Not a problem document: the status line says enough.
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

export async function getJson(path) {
  return (await request(path)).json();
}

export async function getText(path) {
  return (await request(path)).text();
}

export async function postJson(path, body = {}) {
  const response = await request(path, {method: 'POST', body});
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

// Every page of a list endpoint ({<key>: [...], next_cursor}), up to `maxPages` pages.
export async function getAll(path, key, maxPages = 50) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; ++page) {
    const sep = path.includes('?') ? '&' : '?';
    const url = cursor ? path + sep + 'cursor=' + encodeURIComponent(cursor) : path;
    const answer = await getJson(url);
    items.push(...(answer[key] || []));
    cursor = answer.next_cursor;
    if (!cursor) {
      break;
    }
  }
  return items;
}

export function pathPart(value) {
  return encodeURIComponent(String(value));
}
