#include "node/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>

#include "src/base/error.h"

namespace pimscale {

namespace {
thread_local int t_thread_index = 0;  // workers set theirs; every other thread is 0

// How long a waiting thread (a worker between sections, the caller for the last worker) polls
// before it sleeps. Training's sections follow one another within microseconds to a millisecond,
// and waking a sleeping thread cost 27 us a section on a 2-core VM, more than a sparse MA-SGD
// round's own work at 2 threads (two threads then ran slower than one); OpenMP runtimes poll
// likewise. Polling yields the core to any other runnable thread, so ranks sharing cores still
// get them.
constexpr auto kPoll = std::chrono::milliseconds(1);

// True once ready() holds, false when kPoll passed first.
template <class Ready>
bool poll(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kPoll;
  for (uint32_t i = 1;; ++i) {
    if (ready()) return true;
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::yield();
  }
}
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
    stopping_.store(true);
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
    busy_.store(static_cast<int>(workers_.size()));
    generation_.fetch_add(1);  // (after fn_, n_: a polling worker reads them once it sees this)
  }
  start_cv_.notify_all();
  drain();
  auto done = [this] { return busy_.load() == 0; };
  if (!poll(done)) {
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, done);
  }
  fn_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

int ThreadPool::thread_index() { return t_thread_index; }

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  auto started = [&] { return stopping_.load() || generation_.load() != seen; };
  for (;;) {
    if (!poll(started)) {
      std::unique_lock lock(mutex_);
      start_cv_.wait(lock, started);
    }
    if (stopping_.load()) return;
    // The next section cannot start before this one ends (busy_ 0), so this is the one started.
    seen = generation_.load();
    drain();
    if (busy_.fetch_sub(1) == 1) {
      std::lock_guard lock(mutex_);  // (the caller is either before its test of busy_ or asleep)
      done_cv_.notify_one();
    }
  }
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace pimscale
