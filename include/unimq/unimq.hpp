// Everything of unimq's public API in one include.
#pragma once

#include "unimq/capabilities.hpp"        // IWYU pragma: export
#include "unimq/client.hpp"              // IWYU pragma: export
#include "unimq/config.hpp"              // IWYU pragma: export
#include "unimq/consumer.hpp"            // IWYU pragma: export
#include "unimq/consumer_options.hpp"    // IWYU pragma: export
#include "unimq/dead_letter_policy.hpp"  // IWYU pragma: export
#include "unimq/delivery.hpp"            // IWYU pragma: export
#include "unimq/error.hpp"               // IWYU pragma: export
#include "unimq/header_rules.hpp"        // IWYU pragma: export
#include "unimq/headers.hpp"             // IWYU pragma: export
#include "unimq/log.hpp"                 // IWYU pragma: export
#include "unimq/message.hpp"             // IWYU pragma: export
#include "unimq/metrics.hpp"             // IWYU pragma: export
#include "unimq/producer.hpp"            // IWYU pragma: export
#include "unimq/producer_options.hpp"    // IWYU pragma: export
#include "unimq/receipt.hpp"             // IWYU pragma: export
#include "unimq/request_reply.hpp"       // IWYU pragma: export
#include "unimq/retry_policy.hpp"        // IWYU pragma: export
#include "unimq/topic.hpp"               // IWYU pragma: export
#include "unimq/trace.hpp"               // IWYU pragma: export
