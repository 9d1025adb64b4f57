#pragma once

// Private to the network plugin: the functions of abi.h's table, and what they share to cross
// the C boundary. Each entry unpacks its request into our C++ types, does the work, and catches
// everything: nothing but the table's return code and the error sink crosses back.

#include <string>

#include "config/base/result.h"
#include "notify/net/abi.h"

namespace orch::notify::net {

// The table's send_mail: SMTP over Poco (smtp_client.cpp).
int send_mail_entry(const orch_net_mail* mail, orch_net_error_sink sink, void* context) noexcept;

// The table's post_webhook: HTTP(S) over Poco (http_client.cpp).
int post_webhook_entry(const orch_net_webhook* webhook, orch_net_error_sink sink,
                       void* context) noexcept;

// `t` as a std::string (empty when its data is null).
std::string text(orch_net_text t);

// Hands `status` back across the boundary: its message to `sink`, its code as abi.h's (the
// error codes of retry_rule.h).
int report(const Status& status, orch_net_error_sink sink, void* context);

}  // namespace orch::notify::net
