// A thread that runs a function every `period` until stopped, and stops at
// once (it waits on a condition variable, not in a sleep).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace gtm {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread() { stop(); }

  void start(std::chrono::milliseconds period, std::function<void()> fn) {
    stopping_ = false;
    thread_ = std::thread([this, period, fn = std::move(fn)] {
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, period, [&] { return stopping_; })) {
        lock.unlock();
        fn();
        lock.lock();
      }
    });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gtm
