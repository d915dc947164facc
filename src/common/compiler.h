/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compiler.h - the only place ward's user-space code spells compiler attributes.
 *
 * Everything else uses these macros so the tree builds warning-free under gcc 12 and clang 14
 * (house style B1: no GNU language extensions outside this header).
 */
#ifndef WARD_COMMON_COMPILER_H
#define WARD_COMMON_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define WARD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define WARD_NODISCARD	       __attribute__((warn_unused_result))
#define WARD_UNUSED	       __attribute__((unused))
#define WARD_LIKELY(x)	       __builtin_expect(!!(x), 1)
#define WARD_UNLIKELY(x)       __builtin_expect(!!(x), 0)
#else
#define WARD_PRINTF(fmt, args)
#define WARD_NODISCARD
#define WARD_UNUSED
#define WARD_LIKELY(x)	 (x)
#define WARD_UNLIKELY(x) (x)
#endif

/* gcc >= 11 checks that the named deallocator frees what this function returns. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define WARD_MALLOC_FREED_BY(fn) __attribute__((malloc, malloc(fn, 1)))
#elif defined(__GNUC__) || defined(__clang__)
#define WARD_MALLOC_FREED_BY(fn) __attribute__((malloc))
#else
#define WARD_MALLOC_FREED_BY(fn)
#endif

#define WARD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
