#pragma once

#include <string>

namespace orch::notify {

// How a webhook URL is shown in logs, errors, the notifications table and `teams list`: its
// scheme, host and port, then "/***": "https://hooks.slack.com/***". The path, query, fragment
// and user information (the secrets) never show, whatever the URL holds; text that is not an
// http(s) URL with a plain host name or address shows as "***".
std::string redact_webhook(const std::string& url);

}  // namespace orch::notify
