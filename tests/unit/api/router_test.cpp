#include "orchestrator/api/router.h"

#include <gtest/gtest.h>

namespace orch::api {
namespace {

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kReader = "reader-token-0123456789";

config::ApiConfig two_tokens() {
  config::ApiConfig api;
  api.token = kAdmin;
  api.tokens.push_back({"viewer", kReader, config::ApiRole::kRead});
  return api;
}

HttpRequest request(std::string method, std::string target, std::string token = "") {
  HttpRequest r;
  r.method = std::move(method);
  EXPECT_TRUE(parse_target(target, r));
  if (!token.empty()) {
    r.authorization = "Bearer " + token;
  }
  return r;
}

// A router whose handlers answer who called and with which parameters.
Router test_router(const config::ApiConfig& api) {
  Router router{AccessCheck(api)};
  auto echo = [](const RouteContext& c) {
    std::string text = c.caller ? c.caller->name : "anonymous";
    for (const auto& [k, v] : c.params) {
      text += " " + k + "=" + v;
    }
    return json_response(text);
  };
  router.add("GET", "/healthz", Access::kPublic, echo);
  router.add("GET", "/api/v1/runs/{run_id}", Access::kRead, echo);
  router.add("POST", "/api/v1/runs/{run_id}/cancel", Access::kAdmin, echo);
  return router;
}

TEST(Router, PublicEndpointsNeedNoToken) {
  auto router = test_router(two_tokens());
  auto reply = router.handle(request("GET", "/healthz"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "anonymous");
}

TEST(Router, ReadEndpointsTakeAnyTokenAndGiveThePathParameters) {
  auto router = test_router(two_tokens());
  EXPECT_EQ(router.handle(request("GET", "/api/v1/runs/run_1", kReader)).body,
            "viewer run_id=run_1");
  EXPECT_EQ(router.handle(request("GET", "/api/v1/runs/run_1/", kAdmin)).body,
            "api.token run_id=run_1");
  EXPECT_EQ(router.handle(request("GET", "/api/v1/runs/run_1")).status, 401);
}

TEST(Router, AdminEndpointsRefuseAReadToken) {
  auto router = test_router(two_tokens());
  auto refused = router.handle(request("POST", "/api/v1/runs/run_1/cancel", kReader));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("role admin"), std::string::npos) << refused.body;
  EXPECT_EQ(router.handle(request("POST", "/api/v1/runs/run_1/cancel", kAdmin)).status, 200);
}

TEST(Router, UnknownPathsAndMethodsAreToldOnlyToCallersWithAToken) {
  auto router = test_router(two_tokens());
  EXPECT_EQ(router.handle(request("GET", "/secret/admin")).status, 401);
  EXPECT_EQ(router.handle(request("GET", "/secret/admin", kReader)).status, 404);
  auto wrong_method = router.handle(request("DELETE", "/api/v1/runs/run_1", kReader));
  EXPECT_EQ(wrong_method.status, 405);
  ASSERT_EQ(wrong_method.headers.size(), 1u);
  EXPECT_EQ(wrong_method.headers[0].second, "GET");
  // A method not allowed on a public path needs no token to be told so.
  EXPECT_EQ(router.handle(request("POST", "/healthz")).status, 405);
}

TEST(Router, WithoutTokensEverythingButThePublicEndpointsIs403) {
  auto router = test_router(config::ApiConfig{});
  EXPECT_EQ(router.handle(request("GET", "/healthz")).status, 200);
  auto refused = router.handle(request("GET", "/api/v1/runs/run_1", "anything"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("api.token"), std::string::npos);
}

TEST(AccessCheck, AcceptsOnlyTheWholeTokenAfterBearer) {
  AccessCheck check(two_tokens());
  auto role = config::ApiRole::kRead;
  EXPECT_EQ(check.check(std::string("Bearer ") + kReader, role).outcome, AccessOutcome::kGranted);
  EXPECT_EQ(check.check(std::string("bearer   ") + kReader, role).outcome, AccessOutcome::kGranted);
  for (std::string bad :
       {std::string(""), std::string("Bearer"), std::string("Bearer "), std::string(kReader),
        std::string("Basic ") + kReader, std::string("Bearer ") + kReader + "x",
        std::string("Bearer ") + std::string(kReader).substr(1),
        std::string("Bearer ") + std::string(kReader).substr(0, 5),
        std::string("Bearer") + kReader}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(check.check(bad, role).outcome, AccessOutcome::kUnauthenticated);
  }
}

TEST(ConstantTimeCompare, ComparesWholeStrings) {
  EXPECT_TRUE(equal_in_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_in_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_in_constant_time("abc", "ab"));
  EXPECT_FALSE(equal_in_constant_time("abc", "abcabc"));  // the wrap-around must not match
  EXPECT_FALSE(equal_in_constant_time("abc", ""));
  EXPECT_FALSE(equal_in_constant_time("", ""));  // no token configured matches nothing
}

TEST(ParseTarget, DecodesThePathAndTheQuery) {
  HttpRequest r;
  ASSERT_TRUE(parse_target("/api/v1/runs?team=1&since=2026-12-05T02%3A00%3A00Z&x=a+b&flag", r));
  EXPECT_EQ(r.path, "/api/v1/runs");
  EXPECT_EQ(r.param("team"), "1");
  EXPECT_EQ(r.param("since"), "2026-12-05T02:00:00Z");
  EXPECT_EQ(r.param("x"), "a b");
  EXPECT_EQ(r.param("flag"), "");
  EXPECT_FALSE(r.param("missing").has_value());
}

TEST(ParseTarget, RefusesWhatIsNotAPlainAbsolutePath) {
  for (const char* bad :
       {"", "api", "http://x/", "/a/%2", "/a/%zz", "/a/%00", "/a/../b", "/a/%2e%2e/b", "/a?x=%"}) {
    SCOPED_TRACE(bad);
    HttpRequest r;
    EXPECT_FALSE(parse_target(bad, r));
  }
}

TEST(Problem, IsOneLineOfProblemJson) {
  auto p = problem(400, "bad\nthing\r");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.content_type, "application/problem+json");
  EXPECT_EQ(p.body,
            R"({"detail":"bad thing ","status":400,"title":"Bad Request","type":"about:blank"})");
}

}  // namespace
}  // namespace orch::api
