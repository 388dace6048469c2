#include "pim_emul/prim_kernels.h"

namespace pimscale {

std::string arith_name(ArithType type, ArithOp op) {
  static constexpr const char* kTypes[] = {"int32", "int64", "float", "double"};
  static constexpr const char* kOps[] = {"add", "sub", "mul", "div"};
  return std::string(kTypes[static_cast<int>(type)]) + " " + kOps[static_cast<int>(op)];
}

namespace {
// The instruction class of one operation and how many of it one element needs.
std::pair<Op, uint64_t> op_class(ArithType type, ArithOp op) {
  const bool add = op == ArithOp::kAdd || op == ArithOp::kSub;
  switch (type) {
    case ArithType::kInt32:
      return add ? std::pair{Op::kAlu, 1ul}
                 : std::pair{op == ArithOp::kMul ? Op::kInt32Mul : Op::kInt32Div, 1ul};
    case ArithType::kInt64:
      return add ? std::pair{Op::kAlu, 2ul}
                 : std::pair{op == ArithOp::kMul ? Op::kInt64Mul : Op::kInt64Div, 1ul};
    case ArithType::kFloat:
      return {add ? Op::kFloatAdd : op == ArithOp::kMul ? Op::kFloatMul : Op::kFloatDiv, 1ul};
    case ArithType::kDouble:
      return {add ? Op::kDoubleAdd : op == ArithOp::kMul ? Op::kDoubleMul : Op::kDoubleDiv, 1ul};
  }
  return {Op::kAlu, 1ul};
}
}  // namespace

DpuCounts arithmetic_loop(ArithType type, ArithOp op, uint64_t elements, int tasklets) {
  DpuCounts c;
  const auto [cls, per] = op_class(type, op);
  const uint64_t T = static_cast<uint64_t>(tasklets);
  for (uint64_t t = 0; t < T; ++t) {
    const uint64_t mine = elements / T + (t < elements % T ? 1 : 0);
    c.tasklet[t].add(cls, per * mine);
    c.tasklet[t].add(Op::kWram, 2 * mine);
    c.tasklet[t].add(Op::kAlu, 3 * mine);
  }
  return c;
}

DpuCounts mram_stream(bool write, uint64_t bytes, uint64_t calls, int tasklets,
                      const DpuSpec& dpu) {
  DpuCounts c;
  for (int t = 0; t < tasklets; ++t) {
    if (write) {
      count_mram_write(c.tasklet[t], bytes, dpu, calls);
    } else {
      count_mram_read(c.tasklet[t], bytes, dpu, calls);
    }
  }
  return c;
}

}  // namespace pimscale
