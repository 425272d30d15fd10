// The adapter registry. Built-in adapters register through a function each adapter target
// exports; the symbols are weak here, so the core links without any adapter, and each adapter
// target forces its symbol into the link (-u), so static linking never drops an adapter.
#include "unimq/driver/registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "unimq/error.hpp"

#pragma weak unimq_adapter_register_memory
#pragma weak unimq_adapter_register_kafka
#pragma weak unimq_adapter_register_rabbitmq
#pragma weak unimq_adapter_register_redis
#pragma weak unimq_adapter_register_nats

namespace unimq::driver {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const AdapterInfo>> by_scheme;
  std::vector<std::string> names;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

void register_builtin_adapters() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (auto* fn : {&unimq_adapter_register_memory, &unimq_adapter_register_kafka,
                     &unimq_adapter_register_rabbitmq, &unimq_adapter_register_redis,
                     &unimq_adapter_register_nats}) {
      if (fn != nullptr) fn();
    }
  });
}

bool option_known(const AdapterInfo& info, const std::string& name) {
  if (std::find(info.options.begin(), info.options.end(), name) != info.options.end()) {
    return true;
  }
  return std::any_of(
      info.option_prefixes.begin(), info.option_prefixes.end(), [&](const std::string& prefix) {
        return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
      });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace

void register_adapter(AdapterInfo info) {
  auto shared = std::make_shared<const AdapterInfo>(std::move(info));
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& scheme : shared->schemes) reg.by_scheme[scheme] = shared;
  if (std::find(reg.names.begin(), reg.names.end(), shared->name) == reg.names.end()) {
    reg.names.push_back(shared->name);
  }
}

namespace {

// The adapter serving `url`, after checking its scheme and options; ConfigError otherwise.
std::shared_ptr<const AdapterInfo> checked_adapter(const BrokerUrl& url) {
  register_builtin_adapters();
  std::shared_ptr<const AdapterInfo> info;
  std::vector<std::string> schemes;
  {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    auto it = reg.by_scheme.find(url.scheme);
    if (it != reg.by_scheme.end()) info = it->second;
    for (const auto& [scheme, _] : reg.by_scheme) schemes.push_back(scheme);
  }
  if (!info) {
    throw ConfigError("broker URL '" + url.redacted() + "': scheme '" + url.scheme +
                      "' has no adapter in this build; available: " + join(schemes));
  }
  for (const auto& [name, value] : url.options) {
    if (!option_known(*info, name)) {
      std::vector<std::string> accepted = info->options;
      for (const auto& prefix : info->option_prefixes) accepted.push_back(prefix + "<property>");
      throw ConfigError("broker URL '" + url.redacted() + "': unknown option '" + name + "' for " +
                        info->name + "; accepted: " + join(accepted));
    }
  }
  return info;
}

}  // namespace

void check_url(const BrokerUrl& url) {
  (void)checked_adapter(url);
}

std::unique_ptr<Connection> open_connection(const BrokerUrl& url) {
  return checked_adapter(url)->connect(url);
}

std::vector<std::string> adapter_names() {
  register_builtin_adapters();
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  return reg.names;
}

}  // namespace unimq::driver
