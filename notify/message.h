#pragma once

#include <string>

#include "notify/event.h"

namespace orch::notify {

// What a person reads about an event, for each channel. Pure functions of the event.

// `[orchestrator] team 3 "West" run failed`: the same prefix for every mail, then who and what,
// so that an inbox sorts and filters by team and outcome.
std::string email_subject(const RunEvent& event);

// The plain-text mail body: one "Label: value" line per known field (team, run, status, purchase
// date, slot, start, end, duration, metrics, error, log), unset ones left out.
std::string email_body(const RunEvent& event);

// The JSON body of an incoming-webhook POST: a one-line `text` (what notification previews and
// plain webhooks show) and Slack `blocks` with the key fields.
std::string slack_payload(const RunEvent& event);

// "team 3 \"West\"" or "general".
std::string who(const RunEvent& event);
// "run failed", "run timed out", "is failing: 3 failed runs in a row", ...
std::string what_happened(const RunEvent& event);
// Both: `team 3 "West" run failed`, "general run completed", "test message for team 3 ...".
std::string headline(const RunEvent& event);

}  // namespace orch::notify
