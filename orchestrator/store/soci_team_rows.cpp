#include "orchestrator/store/soci_team_rows.h"

#include <array>
#include <utility>

namespace orch::store {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

// An empty string clears an optional setting.
NullableText setting(const std::optional<std::string>& value) {
  return NullableText(value && !value->empty() ? value : std::nullopt);
}

// A number setting: its validated text, or nothing (unset or "").
NullableInt number_setting(const std::optional<std::string>& value) {
  return NullableInt(value && !value->empty() ? std::optional<std::int64_t>(std::stoll(*value))
                                              : std::nullopt);
}

std::optional<std::string> number_text(const std::optional<int>& value) {
  return value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
}

// Sets `field` to `change` if there is one; "" clears it.
void apply(std::optional<std::string>& field, const std::optional<std::string>& change) {
  if (change) {
    field = change->empty() ? std::nullopt : change;
  }
}

// The text of a number setting after `change`.
NullableInt changed_number(const std::optional<int>& value,
                           const std::optional<std::string>& change) {
  std::optional<std::string> text = number_text(value);
  apply(text, change);
  return number_setting(text);
}

std::optional<std::string> upstreams_text(const std::vector<Upstream>& upstreams) {
  std::optional<std::string> text;
  for (const Upstream& upstream : upstreams) {
    text = text.value_or("") + (text ? "," : "") + to_string(upstream);
  }
  return text;
}

}  // namespace

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!name.empty()) {
      out.push_back(std::move(name));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

TeamSettingsRow TeamSettingsRow::of_new_team(const TeamChanges& settings) {
  TeamSettingsRow row;
  row.run_time = setting(settings.run_time);
  row.timezone = setting(settings.timezone);
  row.cron = setting(settings.cron);
  row.attempts = number_setting(settings.retry_max_attempts);
  row.initial = number_setting(settings.retry_initial_delay_seconds);
  row.max_delay = number_setting(settings.retry_max_delay_seconds);
  row.email = setting(settings.notify_email);
  row.slack = setting(settings.notify_slack_webhook);
  row.pipelines = setting(settings.pipelines);
  row.wait = number_setting(settings.wait_for_inputs_seconds);
  row.upstreams = setting(settings.upstreams);
  row.dst_skipped = setting(settings.dst_skipped);
  row.dst_repeated = setting(settings.dst_repeated);
  row.overlap = setting(settings.overlap);
  return row;
}

TeamSettingsRow TeamSettingsRow::of_changed_team(Team& team, const TeamChanges& changes) {
  if (changes.name) {
    team.name = *changes.name;
  }
  apply(team.run_time, changes.run_time);
  apply(team.timezone, changes.timezone);
  apply(team.cron, changes.cron);
  apply(team.notify_email, changes.notify_email);
  apply(team.notify_slack_webhook, changes.notify_slack_webhook);
  apply(team.dst_skipped, changes.dst_skipped);
  apply(team.dst_repeated, changes.dst_repeated);
  apply(team.overlap, changes.overlap);
  std::optional<std::string> pipelines;
  if (team.pipelines) {
    pipelines = join_names(*team.pipelines);
  }
  apply(pipelines, changes.pipelines);
  std::optional<std::string> upstreams = upstreams_text(team.upstreams);
  apply(upstreams, changes.upstreams);

  TeamSettingsRow row;
  row.run_time = NullableText(team.run_time);
  row.timezone = NullableText(team.timezone);
  row.cron = NullableText(team.cron);
  row.email = NullableText(team.notify_email);
  row.slack = NullableText(team.notify_slack_webhook);
  row.pipelines = setting(pipelines);
  row.upstreams = setting(upstreams);
  row.dst_skipped = NullableText(team.dst_skipped);
  row.dst_repeated = NullableText(team.dst_repeated);
  row.overlap = NullableText(team.overlap);
  row.attempts = changed_number(team.retry_max_attempts, changes.retry_max_attempts);
  row.initial =
      changed_number(team.retry_initial_delay_seconds, changes.retry_initial_delay_seconds);
  row.max_delay = changed_number(team.retry_max_delay_seconds, changes.retry_max_delay_seconds);
  row.wait = changed_number(team.wait_for_inputs_seconds, changes.wait_for_inputs_seconds);
  return row;
}

void TeamSettingsRow::bind(soci::statement& st) {
  const std::array<std::pair<NullableText*, const char*>, 10> texts{
      {{&run_time, "run_time"},
       {&timezone, "timezone"},
       {&cron, "cron"},
       {&email, "email"},
       {&slack, "slack"},
       {&pipelines, "pipelines"},
       {&upstreams, "upstreams"},
       {&dst_skipped, "dst_skipped"},
       {&dst_repeated, "dst_repeated"},
       {&overlap, "overlap"}}};
  for (const auto& [text, name] : texts) {
    st.exchange(soci::use(text->value, text->ind, name));
  }
  const std::array<std::pair<NullableInt*, const char*>, 4> numbers{
      {{&attempts, "attempts"}, {&initial, "initial"}, {&max_delay, "max_delay"}, {&wait, "wait"}}};
  for (const auto& [number, name] : numbers) {
    st.exchange(soci::use(number->value, number->ind, name));
  }
}

}  // namespace orch::store
