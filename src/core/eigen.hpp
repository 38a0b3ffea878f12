// The one way core code includes Eigen. Eigen's assertions abort the process by
// default, which inside a database backend would take the whole server down, so
// they are redefined here to throw leadscore::Error before Eigen is seen.
#pragma once

#include "core/errors.hpp"

#if defined(EIGEN_CORE_H) && !defined(LEADSCORE_EIGEN_ASSERT_THROWS)
#error "include core/eigen.hpp before any Eigen header"
#endif

#define LEADSCORE_EIGEN_ASSERT_THROWS 1
#undef eigen_assert
#define eigen_assert(x)                                                      \
  do {                                                                       \
    if (!(x)) throw ::leadscore::Error("internal error: Eigen check failed: " #x); \
  } while (0)

#include <Eigen/Core>
#include <Eigen/Dense>
