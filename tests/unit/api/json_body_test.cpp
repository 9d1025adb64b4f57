#include "orchestrator/api/json_body.h"

#include <gtest/gtest.h>

namespace orch::api {
namespace {

TEST(JsonBody, AnEmptyBodyIsAnEmptyObject) {
  for (const char* body : {"", "  \r\n"}) {
    SCOPED_TRACE(body);
    auto parsed = JsonBody::parse(body, {"note"});
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    auto note = parsed->text("note");
    ASSERT_TRUE(note.has_value());
    EXPECT_FALSE(note->has_value());
  }
}

TEST(JsonBody, ReadsTextAndWholeNumbersAndTakesNullAsAbsent) {
  auto parsed = JsonBody::parse(R"({"note": "quarter close", "pipeline": null, "n": 7})",
                                {"note", "pipeline", "n"});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(*parsed->text("note"), std::optional<std::string>("quarter close"));
  EXPECT_FALSE(parsed->text("pipeline")->has_value());
  EXPECT_EQ(*parsed->whole_number("n"), std::optional<std::int64_t>(7));
}

TEST(JsonBody, RefusesWhatIsNotAnObjectOfKnownFieldsNamingTheField) {
  struct Case {
    const char* body;
    const char* message_part;
  };
  for (const Case& c : {Case{"{\"note\": ", "not JSON"}, Case{"[\"note\"]", "not a JSON object"},
                        Case{"\"note\"", "not a JSON object"},
                        Case{R"({"note": "x", "colour": 1})",
                             "unknown field 'colour' in the body (allowed: note, n)"}}) {
    SCOPED_TRACE(c.body);
    auto parsed = JsonBody::parse(c.body, {"note", "n"});
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(c.message_part), std::string::npos)
        << parsed.error().message;
  }
}

TEST(JsonBody, RefusesAFieldOfTheWrongType) {
  auto parsed = JsonBody::parse(R"({"note": 5, "n": "7", "m": 1.5, "big": 18446744073709551615})",
                                {"note", "n", "m", "big"});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->text("note").error().message, "note: use a string");
  EXPECT_EQ(parsed->whole_number("n").error().message, "n: use a whole number");
  EXPECT_EQ(parsed->whole_number("m").error().message, "m: use a whole number");
  EXPECT_EQ(parsed->whole_number("big").error().message, "big: use a whole number");
}

}  // namespace
}  // namespace orch::api
