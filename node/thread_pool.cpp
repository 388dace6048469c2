#include "node/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <string>
#include <system_error>

#include "src/base/error.h"

namespace pimscale {

namespace {
thread_local int t_thread_index = 0;  // workers set theirs; every other thread is 0
}  // namespace

ThreadPool::ThreadPool(int threads) {
  try {
    for (int i = 1; i < std::max(1, threads); ++i) {
      workers_.emplace_back([this, i] {
        t_thread_index = i;
        worker_loop();
      });
    }
  } catch (const std::system_error& e) {
    // The machine (or its limits: ulimit -u, a cgroup's pids.max, memory for stacks) refused a
    // thread: stop the ones started, then say so.
    const size_t started = workers_.size() + 1;
    stop();
    throw ResourceError("cannot start " + std::to_string(threads) +
                        " threads (the machine allowed " + std::to_string(started) +
                        "): " + e.what() + "; use fewer --threads");
  }
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void ThreadPool::drain() {
  for (size_t i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) {
    try {
      (*fn_)(i);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::parallel_for(size_t n, IndexFn fn) {
  if (n <= 1 || workers_.empty()) {  // nothing to share: no thread is woken (or waited for)
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    fn_ = &fn;
    n_ = n;
    next_ = 0;
    error_ = nullptr;
    busy_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  start_cv_.notify_all();
  drain();
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [this] { return busy_ == 0; });
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

int ThreadPool::thread_index() { return t_thread_index; }

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      start_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain();
    {
      std::lock_guard lock(mutex_);
      if (--busy_ == 0) done_cv_.notify_one();
    }
  }
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace pimscale
