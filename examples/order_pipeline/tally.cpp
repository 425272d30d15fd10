// Thread-safe bookkeeping of order ids per service; see tally.hpp for why sets.
#include "tally.hpp"

#include <algorithm>

namespace order_pipeline {

Tally::Tally(const std::vector<std::string>& services, std::set<std::string> expected)
    : expected_(std::move(expected)) {
  for (const auto& name : services) services_[name];
}

void Tally::account(Service& s, const std::string& order_id, bool dead) {
  auto& target = dead ? s.dead_lettered : s.handled;
  const auto& other = dead ? s.handled : s.dead_lettered;
  if (target.insert(order_id).second && !other.contains(order_id)) ++s.accounted;
}

void Tally::handled(const std::string& service, const std::string& order_id) {
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(service);
    if (it == services_.end() || !expected_.contains(order_id)) {
      ++strays_;
      return;
    }
    account(it->second, order_id, false);
  }
  cv_.notify_all();
}

void Tally::dead_lettered(const std::string& service, const std::string& order_id) {
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(service);
    if (it == services_.end() || !expected_.contains(order_id)) {
      ++strays_;
      return;
    }
    account(it->second, order_id, true);
  }
  cv_.notify_all();
}

void Tally::publish_failed(const std::string& order_id, const std::string& error) {
  {
    std::lock_guard lock(mu_);
    publish_failures_.push_back(order_id + ": " + error);
  }
  cv_.notify_all();
}

bool Tally::complete_locked() const {
  return std::all_of(services_.begin(), services_.end(),
                     [&](const auto& s) { return s.second.accounted == expected_.size(); });
}

bool Tally::wait_complete(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  // A failed publish can never be made up for, so there is no point waiting out the deadline.
  cv_.wait_until(lock, deadline, [&] { return complete_locked() || !publish_failures_.empty(); });
  return complete_locked();
}

Tally::ServiceView Tally::view(const std::string& service) const {
  std::lock_guard lock(mu_);
  ServiceView v;
  auto it = services_.find(service);
  if (it == services_.end()) return v;
  v.handled = it->second.handled;
  v.dead_lettered = it->second.dead_lettered;
  for (const auto& id : expected_) {
    if (!v.handled.contains(id) && !v.dead_lettered.contains(id)) v.missing.push_back(id);
  }
  return v;
}

std::size_t Tally::strays() const {
  std::lock_guard lock(mu_);
  return strays_;
}

std::vector<std::string> Tally::publish_failures() const {
  std::lock_guard lock(mu_);
  return publish_failures_;
}

}  // namespace order_pipeline
