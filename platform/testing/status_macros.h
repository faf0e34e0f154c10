// status_macros.h: gtest helpers for absl::Status / StatusOr.
#ifndef PLATFORM_TESTING_STATUS_MACROS_H_
#define PLATFORM_TESTING_STATUS_MACROS_H_

#include <utility>

#include "gtest/gtest.h"

#define ASSERT_OK(expr) ASSERT_TRUE((expr).ok()) << (expr)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)              \
  auto lhs##_or = (expr);                            \
  ASSERT_TRUE(lhs##_or.ok()) << lhs##_or.status();   \
  [[maybe_unused]] auto lhs = std::move(*lhs##_or)

#endif  // PLATFORM_TESTING_STATUS_MACROS_H_
