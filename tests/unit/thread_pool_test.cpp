#include "node/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pimscale {
namespace {

TEST(ThreadPool, RunsEveryIndexExactlyOnceAcrossManyCalls) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(1000);
  for (int round = 0; round < 50; ++round) {
    auto fn = [&](size_t i) { hits[i].fetch_add(1); };
    pool.parallel_for(hits.size(), fn);
  }
  for (auto& h : hits) EXPECT_EQ(h.load(), 50);
}

TEST(ThreadPool, RethrowsAWorkerException) {
  ThreadPool pool(3);
  auto fn = [](size_t i) {
    if (i == 17) throw std::runtime_error("dpu 17 failed");
  };
  EXPECT_THROW(pool.parallel_for(100, fn), std::runtime_error);
  std::atomic<int> n{0};
  auto count = [&](size_t) { n.fetch_add(1); };
  pool.parallel_for(10, count);  // still usable afterwards
  EXPECT_EQ(n.load(), 10);
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.threads(), 1);
  int sum = 0;
  auto fn = [&](size_t i) { sum += static_cast<int>(i); };
  pool.parallel_for(5, fn);
  EXPECT_EQ(sum, 10);
}

// One index (or none) wakes no thread: it runs on the caller (thread index 0), exceptions included.
TEST(ThreadPool, OneIndexRunsOnTheCaller) {
  ThreadPool pool(3);
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id ran;
  int index = -1;
  auto fn = [&](size_t) {
    ran = std::this_thread::get_id();
    index = ThreadPool::thread_index();
  };
  pool.parallel_for(1, fn);
  EXPECT_EQ(ran, caller);
  EXPECT_EQ(index, 0);
  auto none = [&](size_t) { FAIL() << "no index to run"; };
  pool.parallel_for(0, none);
  auto throws = [](size_t) { throw std::runtime_error("one"); };
  EXPECT_THROW(pool.parallel_for(1, throws), std::runtime_error);
  int sum = 0;
  auto more = [&](size_t i) { sum += static_cast<int>(i); };
  pool.parallel_for(4, more);  // the pool still shares work afterwards
  EXPECT_EQ(sum, 6);
}

}  // namespace
}  // namespace pimscale
