#include "notify/webhook_redaction.h"

#include <string>

#include <gtest/gtest.h>

namespace orch::notify {
namespace {

struct Case {
  const char* url;
  const char* shown;
};

TEST(WebhookRedaction, ShowsTheSchemeHostAndPortOnly) {
  const Case cases[] = {
      {"https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/***"},
      {"HTTPS://Hooks.Slack.COM/services/T0/B0/XYZ", "https://hooks.slack.com/***"},
      {"http://127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/***"},
      {"https://hooks.slack.com", "https://hooks.slack.com/***"},
      {"https://hooks.slack.com/", "https://hooks.slack.com/***"},
      {"https://hooks.slack.com?token=abc", "https://hooks.slack.com/***"},
      {"https://hooks.slack.com#frag", "https://hooks.slack.com/***"},
      {"https://h.example/%zz", "https://h.example/***"},
      {"https://[::1]:8443/hook", "https://[::1]:8443/***"},
      {"https://[FE80::1]/hook", "https://[fe80::1]/***"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(redact_webhook(c.url), c.shown);
  }
}

TEST(WebhookRedaction, DropsTheUserInformationUpToItsLastAt) {
  const Case cases[] = {
      {"http://user:pw@127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/***"},
      {"https://a:b@c@h.example/x", "https://h.example/***"},
      {"https://bot:p%40ss@hooks.example.com/services/x", "https://hooks.example.com/***"},
      {"https://user@[::1]:8443/x", "https://[::1]:8443/***"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(redact_webhook(c.url), c.shown);
  }
}

TEST(WebhookRedaction, HidesWholeWhatIsNotAPlainHttpUrl) {
  const char* const hidden[] = {
      "",
      "not a url",
      "***",
      "hooks.example.com/services/T0/B0/SECRET",  // no scheme
      "//hooks.example.com/SECRET",
      "mailto:ops@example.com",
      "ftp://hooks.example.com/SECRET",
      " https://hooks.example.com/SECRET",
      "https://",
      "https:///SECRET",
      "https://user:SECRET@/x",
      "https://h.example:99999/x",
      "https://h.example:0/x",
      "https://h.example:/x",
      "https://h.example:80x/x",
      "https://[::1/SECRET",
      "https://[::1]x/SECRET",
      "https://[]/SECRET",
      "https://h%40x.example/SECRET",
      "https://h\xc3\xa9.example/SECRET",
      "https://h example/SECRET",
      "https://\x01\x02/SECRET",
  };
  for (const char* url : hidden) {
    SCOPED_TRACE(url);
    EXPECT_EQ(redact_webhook(url), "***");
  }
}

// Whatever a hostile or mistyped URL holds, no part of its secrets shows: "SECRET" is in each
// path, query, fragment or user information below, and "9911" a password of digits that must
// not pass for a port.
TEST(WebhookRedaction, NeverShowsASecretWhereverItIs) {
  const char* const urls[] = {
      "https://hooks.example.com/services/SECRET",
      "https://hooks.example.com?token=SECRET",
      "https://hooks.example.com#SECRET",
      "https://bot:SECRET@hooks.example.com/x",
      "https://bot:SE@CRET@hooks.example.com/x",
      "https://SECRET@hooks.example.com/x",
      "https://bot:SE/CRET@hooks.example.com/x",
      "https://bot:9911/SECRET@hooks.example.com/x",
      "https://bot:9911?SECRET@hooks.example.com/x",
      "https://bot:9911#SECRET@hooks.example.com/x",
      "https://hooks.example.com/x?to=SECRET@example.com",
      "https://bot:SECRET@[::1]:8443/x",
      "https://[::1]/SECRET",
      "https://[::1%SECRET]/x",
      "hooks.example.com/SECRET",
      "SECRET",
      "https:SECRET",
      "https:/SECRET",
      "https//SECRET@hooks.example.com",
  };
  for (const char* url : urls) {
    SCOPED_TRACE(url);
    const std::string shown = redact_webhook(url);
    EXPECT_EQ(shown.find("SECRET"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("SE"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("9911"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("bot"), std::string::npos) << shown;
    EXPECT_TRUE(shown == "***" || shown.ends_with("/***")) << shown;
  }
}

}  // namespace
}  // namespace orch::notify
