// A fixed pool of worker threads that runs one index range at a time (the emulated DPUs of a
// server). Not responsible for emulated time: which thread runs which DPU never changes any result.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace pimscale {

// A non-owning reference to a callable `void(size_t)`: no allocation per call.
class IndexFn {
 public:
  template <class F>
  IndexFn(F& f) : obj_(&f), call_([](void* o, size_t i) { (*static_cast<F*>(o))(i); }) {}  // NOLINT
  void operator()(size_t i) const { call_(obj_, i); }

 private:
  void* obj_;
  void (*call_)(void*, size_t);
};

class ThreadPool {
 public:
  // threads >= 1; the calling thread is one of them. Throws ResourceError when the machine refuses
  // a thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Inside a parallel_for call: which of the pool's threads runs it, in [0, threads()) (0: the
  // calling thread). Per-thread buffers indexed by it need no locking.
  static int thread_index();

  // Runs fn(i) for i in [0, n) on all threads and returns when every call has finished.
  // The first exception thrown by any call is rethrown here.
  void parallel_for(size_t n, IndexFn fn);

 private:
  void worker_loop();
  void stop();  // joins every worker
  void drain();

  std::vector<std::thread> workers_;
  // A section starts when generation_ changes (set, with fn_ and n_, under mutex_) and ends when
  // busy_ reaches 0. A waiting thread polls them for a while before it sleeps on a condition.
  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> busy_{0};
  const IndexFn* fn_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  std::exception_ptr error_;
};

// The number of cores this process may use (the default for --threads).
int available_cores();

}  // namespace pimscale
