#pragma once

// Private to the network plugin: the Poco transports behind abi.h. They do what
// notify/smtp_client.h and notify/webhook_client.h promise, whose functions reach them through
// the plugin.

#include "config/base/result.h"
#include "config/config.h"
#include "notify/smtp_client.h"
#include "notify/webhook_client.h"

namespace orch::notify::net {

// notify::send_mail, over Poco's SMTP client.
Status send_mail(const config::SmtpConfig& smtp, const Mail& mail);

// notify::post_webhook, over Poco's HTTP(S) client.
Status post_webhook(const WebhookRequest& request);

}  // namespace orch::notify::net
