#!/usr/bin/python3
"""Drives the dashboard in a real headless Chromium (Debian's chromium, chromium-driver and
python3-selenium) against a running `orchestrator serve`. tests/e2e/dashboard_test.cpp prepares
the service, its teams and runs, then runs one scenario of this script and checks what the
scenario changed on the service's side.

usage: dashboard_browser.py SCENARIO --url URL --shots DIR [--admin-token T] [--read-token T]
                            [--run-id ID] [--failed-run-id ID] [--log-text TEXT] [--today D]

Every wait is on a condition with a deadline. A failed check prints one line naming it, saves
DIR/SCENARIO-failure.png and the browser's console, and exits 1. Any console error about the
Content-Security-Policy or an uncaught script error fails the scenario too."""

import argparse
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

XSS_NAME = '<img src=x onerror=alert(1)>'
# The sanitized build's service is 2-3 times slower: scripts/test stretches the deadlines.
TIME_SCALE = float(os.environ.get('ORCH_TEST_TIME_SCALE') or 1)


class Failure(Exception):
    pass


class Dashboard:
    def __init__(self, args):
        self.args = args
        options = webdriver.ChromeOptions()
        options.binary_location = '/usr/bin/chromium'
        for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                     '--window-size=1280,900', '--lang=en-US'):
            options.add_argument(flag)
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        self.driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        self.console = []

    def quit(self):
        self.driver.quit()

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def wait(self, condition, what, timeout=20):
        """Waits until condition() is truthy; fails naming `what` at the deadline."""
        deadline = time.monotonic() + timeout * TIME_SCALE
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except WebDriverException as e:
                last_error = e
            time.sleep(0.05)
        raise Failure('timed out waiting for ' + what +
                      (' (' + str(last_error).splitlines()[0] + ')' if last_error else ''))

    def check(self, condition, what):
        if not condition:
            raise Failure(what)

    def shot(self, name):
        self.driver.save_screenshot(f'{self.args.shots}/{name}.png')

    def find(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        found = self.find(css)
        return found[0].text if found else None

    def open(self):
        self.driver.get(self.args.url)
        self.wait(lambda: self.find('#token')[0].is_displayed(), 'the login form')

    def login(self, token):
        field = self.find('#token')[0]
        field.clear()
        field.send_keys(token)
        self.find('#login-button')[0].click()

    def go(self, target):
        """Opens view `target` (#/runs ...) and waits until it is drawn with data."""
        self.js('document.body.dataset.loaded = ""; location.hash = arguments[0];', target)
        self.wait(lambda: self.js('return document.body.dataset.loaded') == target,
                  'view ' + target + ' (notice: ' + str(self.text('#notice')) + ')')

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
        except NoAlertPresentException:
            return
        text = alert.text
        alert.dismiss()
        raise Failure('a script ran from server data: an alert said ' + repr(text))

    def collect_console(self):
        self.console += self.driver.get_log('browser')

    def console_errors(self):
        self.collect_console()
        return [entry['message'] for entry in self.console
                if entry['level'] == 'SEVERE' and
                ('Content Security Policy' in entry['message'] or
                 'Uncaught' in entry['message'])]

    def confirm(self, note=None):
        self.wait(lambda: self.js('return document.getElementById("confirm").open'),
                  'the confirmation dialog')
        if note is not None:
            field = self.find('#confirm-note')[0]
            field.clear()
            field.send_keys(note)
        self.find('#confirm-ok')[0].click()
        self.wait(lambda: not self.js('return document.getElementById("confirm").open'),
                  'the dialog to close')

    def board_row(self, team):
        rows = self.find(f'tr.team[data-team="{team}"]')
        return rows[0] if rows else None


def login_and_runs(d, args):
    """Log in (a wrong token first), the runs list and its filter, a run's page and its log,
    no actions for a read token, the token only in sessionStorage, 401 back to the login."""
    d.open()
    d.login('wrong-token-0123456789abcdef')
    d.wait(lambda: 'Wrong token' in d.text('#login-error'), 'the wrong token to be refused')
    d.check(d.js('return sessionStorage.length') == 0, 'a refused token was kept')
    d.login(args.read_token)
    d.wait(lambda: d.find('#top')[0].is_displayed(), 'the header after logging in')
    d.wait(lambda: d.text('#who') == 'viewer (read)', 'the caller shown as "viewer (read)"')

    d.go('#/runs')
    d.wait(lambda: d.find(f'tr[data-run="{args.run_id}"]'), 'run ' + args.run_id + ' in the list')
    d.wait(lambda: d.find(f'tr[data-run="{args.failed_run_id}"]'), 'the failed run in the list')
    d.shot('runs')
    Select(d.find('#filter-status')[0]).select_by_value('failed')
    d.find('#runs-filters button[type=submit]')[0].click()
    d.wait(lambda: d.js('return document.body.dataset.loaded') == '#/runs?status=failed',
           'the filtered list')
    rows = [r.get_attribute('data-run') for r in d.find('table.runs tbody tr')]
    d.check(rows == [args.failed_run_id], 'status=failed lists only the failed run: ' + str(rows))
    d.check(d.find('#runs-next')[0].get_attribute('disabled') is not None,
            '"Older" is enabled on the only page')

    # A page at a time through next_cursor: newest first, one run a page here.
    d.go('#/runs?limit=1')
    page = lambda: [r.get_attribute('data-run') for r in d.find('table.runs tbody tr')]
    d.check(page() == [args.failed_run_id], 'the first page holds ' + str(page()))
    d.find('#runs-next')[0].click()
    d.wait(lambda: page() == [args.run_id], 'the second page with the older run')
    d.check(d.find('#runs-next')[0].get_attribute('disabled') is not None,
            '"Older" is enabled on the last page')
    d.find('#runs-previous')[0].click()
    d.wait(lambda: page() == [args.failed_run_id], 'the first page again')

    d.go('#/runs')
    d.wait(lambda: d.find(f'tr[data-run="{args.run_id}"] a.run-link'), 'the run link')
    d.find(f'tr[data-run="{args.run_id}"] a.run-link')[0].click()
    d.wait(lambda: d.text('#run-id') == args.run_id, 'the run page')
    d.wait(lambda: args.log_text in d.text('#run-log'), 'the log tail holding ' + args.log_text)
    d.check('completed' in d.text('#run-fields'), 'the run page shows its status')
    d.check(not d.find('button.act-cancel, button.act-run'), 'a read token is offered actions')
    d.shot('run')

    d.check(d.js('return sessionStorage.getItem("orchestrator.token")') == args.read_token,
            'the token is not in sessionStorage')
    d.check(d.js('return localStorage.length') == 0, 'something was put in localStorage')
    d.check(d.js('return document.cookie') == '', 'a cookie was set')

    # A token the service no longer accepts: the next request answers 401, back to the login.
    d.js('sessionStorage.setItem("orchestrator.token", "revoked-token-0123456789abcdef")')
    d.js('location.hash = "#/runs?status=completed"')
    d.wait(lambda: d.find('#login')[0].is_displayed(), 'the login form after a 401')
    d.check('refused' in d.text('#login-error'), 'the login does not say the token was refused')
    d.check(d.js('return sessionStorage.length') == 0, 'the refused token was kept')

    d.login(args.read_token)
    d.wait(lambda: d.find('#top')[0].is_displayed(), 'the header after logging in again')
    d.find('#logout')[0].click()
    d.wait(lambda: d.find('#login')[0].is_displayed(), 'the login form after logging out')
    d.check(d.js('return sessionStorage.length') == 0, 'logging out kept the token')


def board(d, args):
    """The board: every team, the failed one first, the XSS-named team as text, countdowns,
    outcome strips, today's totals; then the same page at phone width."""
    d.open()
    d.login(args.admin_token)
    d.go('#/board')
    # Teams 1 to 3, and the general run's row when the service lists it.
    d.wait(lambda: all(d.board_row(t) for t in (1, 2, 3)), 'teams 1, 2 and 3 on the board')
    d.no_alert()
    name = d.board_row(2).find_element(By.CSS_SELECTOR, '.team-name').text
    d.check(name == XSS_NAME, 'team 2 is shown as ' + repr(name))
    d.check(d.js('return document.querySelectorAll("img").length') == 0,
            'an img element was created from a team name')
    first = d.find('tr.team')[0].get_attribute('data-team')
    d.check(first == '3', 'the team whose last run failed is not first but ' + repr(first))
    d.check('attention' in d.board_row(3).get_attribute('class'), 'the failed team is not marked')
    cells = d.board_row(1).find_elements(By.CSS_SELECTOR, '.strip .cell')
    d.check([c.get_attribute('data-outcome') for c in cells][-1:] == ['completed'],
            'team 1 strip does not end with its completed run')
    d.check(cells[-1].text == 'C', 'the outcome has no letter besides its colour')
    d.check(d.board_row(3).find_element(By.CSS_SELECTOR, '.strip .cell').text == 'F',
            'team 3 strip does not show F for its failed run')
    countdown = d.board_row(1).find_element(By.CSS_SELECTOR, '.countdown').text
    d.check(countdown.startswith('in '), 'the next run countdown says ' + repr(countdown))
    d.check(d.text('#total-runs').split('\n')[0] == '2', 'today\'s totals: ' + d.text('#totals'))
    d.check(d.board_row(1).find_elements(By.CSS_SELECTOR, 'button.act-run'),
            'an admin is offered no "Run now"')
    d.shot('board')
    # Auto-refresh: a mark put on a row goes when the board is drawn again with fresh data.
    d.js('document.querySelector("tr.team").dataset.stale = "1"')
    d.wait(lambda: not d.find('tr.team[data-stale]'), 'the board to refresh by itself', 15)

    d.driver.set_window_size(420, 900)
    d.wait(lambda: d.js('return window.innerWidth') <= 500, 'a phone-width window')
    d.wait(lambda: d.js('return document.documentElement.scrollWidth <= window.innerWidth + 1'),
           'the board to fit a phone-width window without sideways scrolling')
    d.shot('board-phone')


def calendar(d, args):
    """The calendar: a cell per team-day with a letter and colour, a click opens the "why"."""
    d.open()
    d.login(args.read_token)
    d.go('#/calendar')
    d.wait(lambda: all(d.find(f'table.calendar tr[data-team="{t}"]') for t in (1, 2, 3)),
           'teams 1, 2 and 3 in the calendar')
    d.no_alert()
    d.check(d.js('return document.querySelectorAll("img").length') == 0,
            'an img element was created from a team name')
    cell_css = f'table.calendar tr[data-team="1"] a.cell[data-date="{args.today}"]'
    cell = d.wait(lambda: d.find(cell_css), 'team 1 cell of ' + args.today)[0]
    d.check(cell.get_attribute('data-outcome') == 'completed',
            'team 1 today is ' + str(cell.get_attribute('data-outcome')))
    d.check(cell.text == 'C' and 'completed' in cell.get_attribute('title'),
            'the cell has no letter or words besides its colour')
    d.check(len(d.find('table.calendar tr[data-team="1"] a.cell')) == 30, 'not 30 days for team 1')
    d.shot('calendar')
    cell.click()
    d.wait(lambda: d.js('return document.body.dataset.loaded') == f'#/why/1/{args.today}',
           'the why page of that day')
    d.wait(lambda: 'completed' in d.text('#why'), 'the why page to give the outcome')
    d.wait(lambda: d.find(f'table.attempts a[href="#/run/{args.run_id}"]'),
           'the attempt with its run')
    d.shot('why')


def run_now(d, args):
    """Run a team now from the board (confirmed; cancelling the dialog starts nothing), then
    watch the run complete on its page."""
    d.open()
    d.login(args.admin_token)
    d.go('#/board')
    d.wait(lambda: d.board_row(1), 'team 1 on the board')
    d.board_row(1).find_element(By.CSS_SELECTOR, 'button.act-run').click()
    d.wait(lambda: d.js('return document.getElementById("confirm").open'), 'the dialog')
    d.check('North' in d.text('#confirm-text'), 'the dialog does not name the team')
    d.find('#confirm-cancel')[0].click()
    d.wait(lambda: not d.js('return document.getElementById("confirm").open'), 'no dialog')
    d.board_row(1).find_element(By.CSS_SELECTOR, 'button.act-run').click()
    d.confirm()
    d.wait(lambda: 'Started run' in (d.text('#notice') or ''), 'the run to be started')
    link = d.find('#notice a')[0]
    run_id = link.get_attribute('href').split('#/run/')[1]
    link.click()
    d.wait(lambda: d.text('#run-id') == run_id, 'the new run page')
    # The page refreshes by itself every few seconds: no reload here.
    d.wait(lambda: 'completed' in d.text('#run-fields'), 'the run to complete', 40)
    d.shot('run-now')
    print('run_now_run_id=' + run_id)


def cancel(d, args):
    """Start a long run of team 1 from the board, then cancel it from its page (confirmed)."""
    d.open()
    d.login(args.admin_token)
    d.go('#/board')
    d.wait(lambda: d.board_row(1), 'team 1 on the board')
    d.board_row(1).find_element(By.CSS_SELECTOR, 'button.act-run').click()
    d.confirm()
    d.wait(lambda: d.find('#notice a'), 'the run to be started')
    d.find('#notice a')[0].click()
    d.wait(lambda: d.text('#run-id'), 'the new run page')
    run_id = d.text('#run-id')
    d.wait(lambda: d.find('h1 button.act-cancel'), 'a cancel button while it runs')
    d.find('h1 button.act-cancel')[0].click()
    d.confirm()
    d.wait(lambda: 'cancelled' in d.text('#run-fields'), 'the run to be cancelled', 40)
    d.check(not d.find('h1 button.act-cancel'), 'a finished run still offers to cancel')
    d.shot('cancelled')
    print('cancelled_run_id=' + run_id)


def pause_resume(d, args):
    """Pause a team with a note (shown on the board), then resume it (which clears the note)."""
    d.open()
    d.login(args.admin_token)
    d.go('#/board')
    d.wait(lambda: d.board_row(1), 'team 1 on the board')
    d.board_row(1).find_element(By.CSS_SELECTOR, 'button.act-pause').click()
    d.confirm('Database upgrade <b>tonight</b>')
    d.wait(lambda: d.board_row(1).find_elements(By.CSS_SELECTOR, '.pause-note'),
           'the pause note on the board')
    note = d.board_row(1).find_element(By.CSS_SELECTOR, '.pause-note').text
    d.check('Database upgrade <b>tonight</b>' in note, 'the note reads ' + repr(note))
    d.check(d.board_row(1).find_element(By.CSS_SELECTOR, '.badge').text == 'paused',
            'team 1 is not shown paused')
    d.shot('paused')
    d.board_row(1).find_element(By.CSS_SELECTOR, 'button.act-resume').click()
    d.check(not d.find('#confirm-note-row')[0].is_displayed(), 'a resume asks for a note')
    d.confirm()
    d.wait(lambda: d.board_row(1).find_element(By.CSS_SELECTOR, '.badge').text == 'active',
           'team 1 to be active again')
    d.check(not d.board_row(1).find_elements(By.CSS_SELECTOR, '.pause-note'),
            'the pause note stays after the resume')


SCENARIOS = {'login_and_runs': login_and_runs, 'board': board, 'calendar': calendar,
             'run_now': run_now, 'cancel': cancel, 'pause_resume': pause_resume}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('scenario', choices=sorted(SCENARIOS))
    parser.add_argument('--url', required=True)
    parser.add_argument('--shots', required=True)
    parser.add_argument('--admin-token', default='')
    parser.add_argument('--read-token', default='')
    parser.add_argument('--run-id', default='')
    parser.add_argument('--failed-run-id', default='')
    parser.add_argument('--log-text', default='')
    parser.add_argument('--today', default='')
    args = parser.parse_args()
    d = Dashboard(args)
    status = 0
    try:
        SCENARIOS[args.scenario](d, args)
        d.no_alert()
        errors = d.console_errors()
        if errors:
            raise Failure('the browser reported: ' + ' | '.join(errors))
    except Failure as e:
        print(f'dashboard {args.scenario}: {e}', file=sys.stderr)
        status = 1
    except Exception as e:  # a selenium error: the same report, with its first line
        print(f'dashboard {args.scenario}: {type(e).__name__}: {str(e).splitlines()[0]}',
              file=sys.stderr)
        status = 1
    if status:
        try:
            d.shot(args.scenario + '-failure')
            d.collect_console()
            for entry in d.console:
                print('console: ' + entry['level'] + ' ' + entry['message'], file=sys.stderr)
        except Exception:
            pass
    d.quit()
    return status


if __name__ == '__main__':
    sys.exit(main())
