#include "orchestrator/schedule/cron_expression.h"

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/base/terminal_text.h"

namespace orch {
namespace {

// One of the five fields: its name in messages, its range and, for month and weekday, the
// three-letter names that may stand for a number.
struct FieldSpec {
  const char* name;
  unsigned low;
  unsigned high;
  const char* const* names;  // names[0] stands for `low`; nullptr: numbers only
  unsigned name_count;
  const char* allowed;  // what a value may be, for messages
};

constexpr std::array<const char*, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kWeekdayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, nullptr, 0, "0-59"},
    {"hour", 0, 23, nullptr, 0, "0-23"},
    {"day-of-month", 1, 31, nullptr, 0, "1-31"},
    {"month", 1, 12, kMonthNames.data(), 12, "1-12 or jan-dec"},
    {"day-of-week", 0, 7, kWeekdayNames.data(), 7, "0-7 (0 and 7 are Sunday) or sun-sat"},
}};

// Vixie cron's nicknames (crontab(5)); @reboot has no fire times and is not one of them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNicknames{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

constexpr const char* kNicknameList =
    "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly";

Error refuse(std::string_view text, const std::string& why) {
  // Quoted with its control characters escaped: a refusal stays one line ("0 0 * *\n*").
  return invalid_argument("cron expression '" + escape_controls(text) + "': " + why);
}

std::string allowed_forms(const FieldSpec& field) {
  return std::string("use *, N, N-M, */S, N-M/S or a comma list of them, with N and M ") +
         field.allowed + " and S from 1 to " + std::to_string(field.high);
}

bool is_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The parser of one field: collects the values its text allows, or the first reason it fails.
class FieldParser {
 public:
  FieldParser(std::string_view expression, const FieldSpec& field)
      : expression_(expression), field_(field) {}

  // Parses `text` (one field) into `values`, indexed by value from 0 to field.high.
  Result<std::vector<bool>> parse(std::string_view text) const {
    std::vector<bool> values(field_.high + 1, false);
    std::size_t start = 0;
    while (true) {
      std::size_t comma = text.find(',', start);
      std::string_view item = text.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (auto r = parse_item(item, text, values); !r) {
        return r.error();
      }
      if (comma == std::string_view::npos) {
        break;
      }
      start = comma + 1;
    }
    return values;
  }

 private:
  Error fail(std::string_view offending, const std::string& problem) const {
    return refuse(expression_, std::string(field_.name) + " field: '" + escape_controls(offending) +
                                   "' " + problem + ": " + allowed_forms(field_));
  }

  // A number or a name, within the field's range.
  Result<unsigned> parse_value(std::string_view text, std::string_view item) const {
    if (is_digits(text)) {
      const unsigned v = number(text);
      if (v < field_.low || v > field_.high) {
        return fail(item, "is out of range");
      }
      return v;
    }
    for (unsigned i = 0; i < field_.name_count; ++i) {
      if (equals_ignoring_case(text, field_.names[i])) {
        return field_.low + i;
      }
    }
    return fail(item, "is not allowed");
  }

  // The value of `digits` (all digits), or field.high + 1 for any longer than four: four are
  // plenty for any field, leading zeros included, and keep the conversion in range.
  unsigned number(std::string_view digits) const {
    constexpr std::size_t kMaxDigits = 4;
    return digits.size() > kMaxDigits ? field_.high + 1
                                      : static_cast<unsigned>(std::stoul(std::string(digits)));
  }

  // The step after a '/' of `item`.
  Result<unsigned> parse_step(std::string_view step_text, std::string_view item) const {
    if (!is_digits(step_text)) {
      return fail(item, "is not allowed");
    }
    const unsigned step = number(step_text);
    if (step == 0 || step > field_.high) {
      return fail(item, "has a step out of range");
    }
    return step;
  }

  // The first and last value of `base`: "*", "N" or "N-M" (`stepped`: a step follows).
  Result<std::pair<unsigned, unsigned>> parse_range(std::string_view base, std::string_view item,
                                                    bool stepped) const {
    if (base == "*") {
      return std::pair{field_.low, field_.high};
    }
    std::size_t dash = base.find('-');
    if (dash == std::string_view::npos) {
      if (stepped) {
        // Vixie reads "N/S" its own way and other crons read it as "N-max/S": refuse it.
        return fail(item, "is not allowed (a step needs * or a range N-M)");
      }
      auto v = parse_value(base, item);
      if (!v) {
        return v.error();
      }
      return std::pair{*v, *v};
    }
    auto a = parse_value(base.substr(0, dash), item);
    if (!a) {
      return a.error();
    }
    auto b = parse_value(base.substr(dash + 1), item);
    if (!b) {
      return b.error();
    }
    if (*a > *b) {
      return fail(item, "is a reversed range");
    }
    return std::pair{*a, *b};
  }

  Result<void> parse_item(std::string_view item, std::string_view text,
                          std::vector<bool>& values) const {
    if (item.empty()) {
      return fail(text, "has an empty list entry");
    }
    std::string_view base = item;
    unsigned step = 1;
    const std::size_t slash = item.find('/');
    if (slash != std::string_view::npos) {
      base = item.substr(0, slash);
      auto parsed = parse_step(item.substr(slash + 1), item);
      if (!parsed) {
        return parsed.error();
      }
      step = *parsed;
    }
    auto range = parse_range(base, item, slash != std::string_view::npos);
    if (!range) {
      return range.error();
    }
    for (unsigned v = range->first; v <= range->second; v += step) {
      values[v] = true;
    }
    return {};
  }

  std::string_view expression_;
  const FieldSpec& field_;
};

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      ++i;
    }
    if (i > start) {
      fields.push_back(text.substr(start, i - start));
    }
  }
  return fields;
}

template <std::size_t N>
std::bitset<N> to_bits(const std::vector<bool>& values) {
  std::bitset<N> bits;
  for (std::size_t v = 0; v < values.size() && v < N; ++v) {
    bits[v] = values[v];
  }
  return bits;
}

// The most days a month ever has (February: 29, in leap years).
constexpr std::array<unsigned, 13> kMaxDaysInMonth{0,  31, 29, 31, 30, 31, 30,
                                                   31, 31, 30, 31, 30, 31};

// Whether some date has a day of month and month the expression allows together. When the day
// fields are OR-ed (neither starts with `*`) every month has a matching weekday; when they are
// AND-ed, every (month, day) pair that exists falls on every weekday within 400 years.
bool can_fire(const CronExpression& cron) {
  if (!cron.day_of_month_star && !cron.day_of_week_star) {
    return true;
  }
  for (unsigned m = 1; m <= 12; ++m) {
    for (unsigned d = 1; d <= kMaxDaysInMonth[m] && cron.months[m]; ++d) {
      if (cron.days_of_month[d]) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Result<CronExpression> parse_cron(std::string_view text) {
  std::vector<std::string_view> fields = split_fields(text);
  std::string_view expression = text;
  if (fields.size() == 1 && fields[0].front() == '@') {
    for (const auto& [nickname, meaning] : kNicknames) {
      if (fields[0] == nickname) {
        fields = split_fields(meaning);
        break;
      }
    }
    if (fields.size() == 1) {
      return refuse(text, "'" + escape_controls(fields[0]) + "' is not a nickname: use one of " +
                              kNicknameList);
    }
  }
  if (fields.size() != 5) {
    return refuse(text, std::to_string(fields.size()) +
                            " fields: use exactly 5 (minute hour day-of-month month "
                            "day-of-week, no seconds) or one of " +
                            kNicknameList);
  }
  CronExpression cron;
  cron.text = std::string(text.substr(text.find_first_not_of(" \t")));
  cron.text.erase(cron.text.find_last_not_of(" \t") + 1);
  std::array<std::vector<bool>, 5> values;
  for (std::size_t i = 0; i < 5; ++i) {
    auto v = FieldParser(expression, kFields[i]).parse(fields[i]);
    if (!v) {
      return v.error();
    }
    values[i] = std::move(*v);
  }
  cron.minutes = to_bits<60>(values[0]);
  cron.hours = to_bits<24>(values[1]);
  cron.days_of_month = to_bits<32>(values[2]);
  cron.months = to_bits<13>(values[3]);
  cron.days_of_week = to_bits<7>(values[4]);
  cron.days_of_week[0] = values[4][0] || values[4][7];  // 7 is Sunday too
  cron.day_of_month_star = fields[2].front() == '*';
  cron.day_of_week_star = fields[4].front() == '*';
  cron.kind = fields[0].front() == '*' || fields[1].front() == '*' ? JobKind::kWildcard
                                                                   : JobKind::kFixedTime;
  if (!can_fire(cron)) {
    return refuse(text, "day-of-month field: '" + escape_controls(fields[2]) +
                            "' names no day that exists in month field '" +
                            escape_controls(fields[3]) +
                            "', so the expression can never fire: use days the months have");
  }
  return cron;
}

bool cron_day_matches(const CronExpression& cron, unsigned day_of_month, unsigned month,
                      unsigned weekday) {
  if (!cron.months[month]) {
    return false;
  }
  bool dom = cron.days_of_month[day_of_month];
  bool dow = cron.days_of_week[weekday];
  // Vixie (crontab(5), cron.c): when either day field starts with `*`, a day must match both;
  // when both are restricted, matching either is enough.
  return cron.day_of_month_star || cron.day_of_week_star ? dom && dow : dom || dow;
}

}  // namespace orch
