#include "notify/message.h"

#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace orch::notify {
namespace {

using Lines = std::vector<std::pair<std::string, std::string>>;

constexpr std::size_t kSlackErrorShown = 1500;

// 83412 ms -> "1 min 23.4 s": a duration people read at a glance.
std::string human_duration(std::int64_t ms) {
  constexpr std::int64_t kSecond = 1000;
  constexpr std::int64_t kMinute = 60 * kSecond;
  constexpr std::int64_t kHour = 60 * kMinute;
  auto seconds = [](std::int64_t part) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1f s", static_cast<double>(part) / kSecond);
    return std::string(buf.data());
  };
  if (ms < kSecond) {
    return std::to_string(ms) + " ms";
  }
  if (ms < kMinute) {
    return seconds(ms);
  }
  if (ms < kHour) {
    return std::to_string(ms / kMinute) + " min " + seconds(ms % kMinute);
  }
  return std::to_string(ms / kHour) + " h " + std::to_string((ms % kHour) / kMinute) + " min";
}

// The pipeline's name where messages name it: every pipeline but `daily`, which is "the team's
// run" as it was before teams had several.
std::string named_pipeline(const RunEvent& e) {
  return e.pipeline == kDefaultPipeline ? std::string() : e.pipeline;
}

// The fields a person needs, labelled, in reading order; unset ones left out.
Lines labelled_fields(const RunEvent& e) {
  Lines out;
  auto add = [&out](const char* label, const std::string& value) {
    if (!value.empty()) {
      out.emplace_back(label, value);
    }
  };
  auto time = [](const std::optional<SysTime>& t) { return t ? format_utc(*t) : std::string(); };
  add("Team", e.team ? std::to_string(e.team->value) + " \"" + e.team_name + "\""
                     : std::string("general run (no team)"));
  add("Pipeline", named_pipeline(e));
  add("Run", e.run_id ? e.run_id->str() : std::string());
  add("Status", e.status);
  add("Event", event_name(e.kind));
  if (e.consecutive_failures > 0) {
    add("Failed runs in a row", std::to_string(e.consecutive_failures));
  }
  add("Triggered by", e.triggered_by);
  add("Purchase date", e.purchase_date);
  add("Run date", e.run_date);
  add("Slot", time(e.scheduled_for));
  add("Started", time(e.started_at));
  add("Ended", time(e.completed_at));
  if (e.duration_ms) {
    add("Duration", human_duration(*e.duration_ms));
  }
  if (e.total_loans) {
    add("Total loans", std::to_string(*e.total_loans));
  }
  if (e.exceptions_count) {
    add("Exceptions", std::to_string(*e.exceptions_count));
  }
  if (e.exit_code) {
    add("Exit code", std::to_string(*e.exit_code));
  }
  add("Error", e.error);
  add("Log", e.log_path);
  add("Instance", e.instance);
  return out;
}

}  // namespace

std::string who(const RunEvent& e) {
  if (!e.team) {
    return "general";  // "general run failed"
  }
  return "team " + std::to_string(e.team->value) + " \"" + e.team_name + "\"";
}

std::string what_happened(const RunEvent& e) {
  const std::string failures = std::to_string(e.consecutive_failures);
  switch (e.kind) {
    case EventKind::kRunFailed:
      return e.status == "interrupted" ? "run interrupted" : event_phrase(e.kind);
    case EventKind::kTeamFailing:
      return event_phrase(e.kind) + (": " + failures + " failed runs in a row");
    case EventKind::kTeamRecovered:
      return event_phrase(e.kind) + (" after " + failures + " failed runs");
    default:
      return event_phrase(e.kind);
  }
}

std::string headline(const RunEvent& e) {
  if (e.kind == EventKind::kTest) {
    return e.team ? "test message for " + who(e) : "test message";
  }
  std::string pipeline = named_pipeline(e);
  return who(e) + " " + (pipeline.empty() ? "" : pipeline + " ") + what_happened(e);
}

std::string email_subject(const RunEvent& e) {
  std::string subject = "[orchestrator] " + headline(e);
  // A header is one line: a newline in a team's name must not start a new header.
  for (char& c : subject) {
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return subject;
}

std::string email_body(const RunEvent& e) {
  std::string body;
  if (e.kind == EventKind::kTest) {
    body +=
        "This is a test message from the pipeline orchestrator: mail to these recipients "
        "works.\n\n";
  } else {
    body += "The pipeline orchestrator: " + headline(e) + ".\n\n";
  }
  for (const auto& [label, value] : labelled_fields(e)) {
    body += label;
    body += ": ";
    body += value;
    body += "\n";
  }
  return body;
}

std::string slack_payload(const RunEvent& e) {
  std::string icon = is_bad_news(e.kind) ? ":x:" : ":white_check_mark:";
  if (e.kind == EventKind::kRunStarted || e.kind == EventKind::kTest) {
    icon = ":information_source:";
  }
  // Slack cuts a message at 40,000 characters and a section at 3,000; the mail has it all.
  std::string error = e.error.size() > kSlackErrorShown ? e.error.substr(0, kSlackErrorShown) +
                                                              "... (cut; the mail and the "
                                                              "run's log have it all)"
                                                        : e.error;
  std::string text = headline(e);
  if (e.run_id) {
    text += " (" + e.run_id->str() + ")";
  }
  if (!error.empty()) {
    text += ": " + error;
  }
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [label, value] : labelled_fields(e)) {
    // Slack shows at most 10 fields in a section: the key ones only; the error has a block of
    // its own, and the mail carries the rest.
    if (label == "Team" || label == "Error" || label == "Event" || label == "Run date" ||
        label == "Triggered by" || label == "Instance" || label == "Exit code" ||
        fields.size() >= 10) {
      continue;
    }
    std::string field = "*";
    field += label;
    field += "*\n";
    field += value;
    fields.push_back({{"type", "mrkdwn"}, {"text", field}});
  }
  nlohmann::json blocks = nlohmann::json::array();
  blocks.push_back({{"type", "section"},
                    {"text", {{"type", "mrkdwn"}, {"text", icon + " *" + headline(e) + "*"}}}});
  if (!fields.empty()) {
    blocks.push_back({{"type", "section"}, {"fields", fields}});
  }
  if (!e.error.empty()) {
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", "*Error*\n```" + error + "```"}}}});
  }
  nlohmann::json payload = {{"text", text}, {"blocks", blocks}};
  // Invalid UTF-8 (from a pipeline's error text) is replaced rather than thrown on.
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace orch::notify
