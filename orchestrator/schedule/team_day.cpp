#include "orchestrator/schedule/team_day.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <date/tz.h>

namespace orch {
namespace {

// Statuses of a run that is not over yet: it decides its day until a run completes.
bool in_progress(RunStatus status) {
  return status == RunStatus::kRunning || status == RunStatus::kWaiting;
}

bool earlier(const RunRecord* a, const RunRecord* b) {
  return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
}

std::string when(SysTime at, const date::time_zone& zone) {
  if (zone.get_info(std::chrono::floor<std::chrono::seconds>(at)).offset.count() == 0) {
    return format_local(at, zone);  // "2026-12-03 06:00:00 UTC" says it all
  }
  return format_local(at, zone) + " (" + format_utc_seconds(at) + ")";
}

std::string seconds_text(std::chrono::seconds s) {
  return std::to_string(s.count()) + " s";
}

// What the services' sightings say about the moment `at`: who was up, or the gap around it.
std::string outage_text(SysTime at, const TeamDayFacts& facts) {
  const date::time_zone& zone = *facts.schedule->zone;
  const ServiceSighting* before = nullptr;
  const ServiceSighting* after = nullptr;
  for (const ServiceSighting& s : facts.sightings) {
    if (s.from <= at && at <= s.until) {
      return "service " + s.instance + " was up at " + when(at, zone) +
             " but recorded no run for this slot";
    }
    if (s.until < at && (before == nullptr || s.until > before->until)) {
      before = &s;
    }
    if (s.from > at && (after == nullptr || s.from < after->from)) {
      after = &s;
    }
  }
  std::string text = "no service was running at " + when(at, zone);
  if (before != nullptr) {
    text += "; the last one seen before was " + before->instance + " at " +
            format_utc_seconds(before->until);
  }
  if (after != nullptr) {
    text +=
        "; the next one seen was " + after->instance + " from " + format_utc_seconds(after->from);
  }
  return text;
}

std::string attempts_summary(const std::vector<const RunRecord*>& runs, const RunRecord& decisive) {
  std::string text;
  for (const RunRecord* r : runs) {
    if (r == &decisive) {
      continue;
    }
    text += (text.empty() ? "" : ", ") + r->run_id.str() + " " + to_string(r->status);
  }
  return text.empty() ? text : "other runs that day: " + text;
}

TeamDay from_runs(const TeamDayFacts& facts, TeamDay day) {
  std::vector<const RunRecord*> runs;
  runs.reserve(facts.runs.size());
  for (const RunRecord& r : facts.runs) {
    runs.push_back(&r);
  }
  std::sort(runs.begin(), runs.end(), earlier);
  const RunRecord* completed = nullptr;
  const RunRecord* going = nullptr;
  for (const RunRecord* r : runs) {
    if (r->status == RunStatus::kCompleted) {
      completed = r;
    } else if (in_progress(r->status)) {
      going = r;
    }
  }
  const RunRecord* decisive = completed != nullptr ? completed
                              : going != nullptr   ? going
                                                   : runs.back();
  day.outcome = to_string(decisive->status);
  day.run_id = decisive->run_id;
  std::string reason = decisive->error;
  if (decisive->status == RunStatus::kMissed && decisive->scheduled_for) {
    reason += (reason.empty() ? "" : ": ") + outage_text(*decisive->scheduled_for, facts);
  } else if (decisive->status == RunStatus::kCompleted && decisive->attempt > 1) {
    reason = "completed at attempt " + std::to_string(decisive->attempt);
  }
  std::string others = attempts_summary(runs, *decisive);
  if (!others.empty()) {
    reason += (reason.empty() ? "" : "; ") + others;
  }
  day.reason = std::move(reason);
  return day;
}

const StateSpan* span_at(const std::vector<StateSpan>& spans, SysTime at) {
  for (const StateSpan& s : spans) {
    if (s.from <= at && (!s.until || at < *s.until)) {
      return &s;
    }
  }
  return nullptr;
}

std::string weekday_name(Date d) {
  static constexpr std::array<const char*, 7> kNames = {
      "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  return kNames[date::weekday(date::sys_days(d)).c_encoding()];
}

}  // namespace

std::vector<StateSpan> spans_from_changes(const std::vector<StateChange>& changes) {
  auto ends_with = [](const std::string& text, std::string_view end) {
    return text.size() >= end.size() &&
           text.compare(text.size() - end.size(), end.size(), end) == 0;
  };
  std::vector<StateSpan> spans;
  std::optional<std::size_t> paused;
  std::optional<std::size_t> inactive;
  for (const StateChange& c : changes) {
    if (ends_with(c.action, ".pause") && !paused) {
      paused = spans.size();
      spans.push_back(
          {StateSpan::State::kPaused, c.at, std::nullopt, c.note, StateSpan::Start::kExact});
    } else if (ends_with(c.action, ".resume") && paused) {
      spans[*paused].until = c.at;
      paused.reset();
    } else if (ends_with(c.action, ".deactivate") && !inactive) {
      inactive = spans.size();
      spans.push_back(
          {StateSpan::State::kInactive, c.at, std::nullopt, "", StateSpan::Start::kExact});
    } else if (ends_with(c.action, ".activate") && inactive) {
      spans[*inactive].until = c.at;
      inactive.reset();
    }
  }
  return spans;
}

std::vector<Slot> day_slots(const ScheduledTeam& schedule, Date day, std::size_t limit) {
  std::vector<Slot> out;
  const date::time_zone& zone = *schedule.zone;
  // From the day's first instant (the earliest, should midnight be repeated or skipped).
  SysTime after = std::chrono::time_point_cast<std::chrono::milliseconds>(
                      zone.to_sys(date::local_days(day), date::choose::earliest)) -
                  std::chrono::milliseconds(1);
  while (out.size() < limit) {
    auto slot = next_slot(schedule, after);
    if (!slot || slot->run_date > day) {
      break;
    }
    after = slot->at;
    if (slot->run_date == day) {
      out.push_back(std::move(*slot));
    }
  }
  return out;
}

std::string schedule_text(const ScheduledTeam& schedule) {
  return schedule.cron ? "cron " + schedule.cron->text
                       : "daily " + format_time_of_day(schedule.run_time);
}

namespace {

// An outcome of a day without runs, and why.
struct Verdict {
  std::string outcome;
  std::string reason;
};

Verdict no_fire_that_day(const TeamDayFacts& facts) {
  const ScheduledTeam& schedule = *facts.schedule;
  const std::string date_text = format_date(facts.date);
  const std::string zone_name(schedule.zone->name());
  if (schedule.cron) {
    return {day_outcome::kNoFireThatDay, schedule_text(schedule) + " does not fire on " +
                                             weekday_name(facts.date) + " " + date_text + " in " +
                                             zone_name};
  }
  return {day_outcome::kNoFireThatDay, format_time_of_day(schedule.run_time) +
                                           " does not exist on " + date_text + " in " + zone_name +
                                           " (dst_skipped=skip): no slot that day"};
}

// Why nobody was to run `slot`, if so: the owner did not exist yet, or was paused or inactive.
std::optional<Verdict> not_scheduled_at(const TeamDayFacts& facts, const Slot& slot) {
  const date::time_zone& zone = *facts.schedule->zone;
  if (slot.at <= facts.existed_since) {
    return Verdict{
        day_outcome::kBeforeTeamExisted,
        (facts.schedule->team ? "the team was added at " : "the database was created at ") +
            when(facts.existed_since, zone) + ", after the slot at " + when(slot.at, zone)};
  }
  const StateSpan* span = span_at(facts.not_scheduled, slot.at);
  if (span == nullptr) {
    return std::nullopt;
  }
  const bool paused = span->state == StateSpan::State::kPaused;
  const bool approximate = span->start == StateSpan::Start::kLastChange;
  Verdict verdict{paused ? day_outcome::kPaused : day_outcome::kInactive,
                  std::string(paused ? "paused" : "deactivated") +
                      (approximate ? " (since its last change at " : " since ") +
                      when(span->from, zone) + (approximate ? ")" : "")};
  if (span->until) {
    verdict.reason += std::string(" until ") + when(*span->until, zone);
  }
  if (!span->note.empty()) {
    verdict.reason += ": " + span->note;
  }
  return verdict;
}

// What became of a slot that was scheduled and has no run: not due yet, overdue or missed.
Verdict without_run(const TeamDayFacts& facts, const Slot& slot) {
  const ScheduledTeam& schedule = *facts.schedule;
  const date::time_zone& zone = *schedule.zone;
  if (slot.at > facts.now) {
    return {day_outcome::kNotDueYet, "due at " + when(slot.at, zone)};
  }
  if (slot.at <= schedule.active_since) {
    // Created earlier, yet its schedule in force began after the slot: it was paused or inactive
    // then, or its schedule changed. Which one only the audit log can tell.
    return {day_outcome::kInactive,
            "not scheduled then: the schedule in force began at " +
                when(schedule.active_since, zone) +
                " (the team was resumed, activated or given a new schedule then)"};
  }
  SysTime deadline = slot.at + facts.misfire_grace + facts.timeout;
  if (facts.now < deadline) {
    return {day_outcome::kNotDueYet, "due at " + when(slot.at, zone) +
                                         ", no run recorded yet; overdue from " +
                                         when(deadline, zone)};
  }
  auto next = next_slot(schedule, slot.at);
  if (!next || next->at > facts.now) {
    return {day_outcome::kOverdue, "no run since the slot at " + when(slot.at, zone) +
                                       "; its deadline " + when(deadline, zone) +
                                       " (slot + misfire grace " +
                                       seconds_text(facts.misfire_grace) + " + timeout " +
                                       seconds_text(facts.timeout) + ") has passed"};
  }
  return {day_outcome::kMissed, "no run recorded: " + outage_text(slot.at, facts)};
}

}  // namespace

TeamDay classify_team_day(const TeamDayFacts& facts) {
  constexpr std::size_t kMaxSlots = 1500;  // a minutely cron expression on a day clocks go back
  TeamDay day;
  day.slots = day_slots(*facts.schedule, facts.date, kMaxSlots);
  if (!facts.runs.empty()) {
    return from_runs(facts, std::move(day));
  }
  Verdict verdict;
  if (day.slots.empty()) {
    verdict = no_fire_that_day(facts);
  } else {
    // The slot that matters: the latest one due by now, else the day's first.
    const Slot* slot = &day.slots.front();
    for (const Slot& s : day.slots) {
      if (s.at <= facts.now) {
        slot = &s;
      }
    }
    verdict = not_scheduled_at(facts, *slot).value_or(Verdict{});
    if (verdict.outcome.empty()) {
      verdict = without_run(facts, *slot);
    }
  }
  day.outcome = std::move(verdict.outcome);
  day.reason = std::move(verdict.reason);
  return day;
}

}  // namespace orch
