/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ThreadSanitizer's view of the kernel's ordering. A reply reaches the kernel before any
 * request that depended on it (a READ after the OPEN that made its handle) is handed out,
 * possibly to another thread. TSan sees that edge for /dev/fuse, whose write(2) and read(2)
 * it models as a release and an acquire on the descriptor, but not for io_uring, where both
 * happen in shared memory and io_uring_enter(2). Every reply therefore releases the session,
 * and every dispatch acquires it. Compiled out unless built with -fsanitize=thread.
 */
#ifndef RINGFUSE_TSAN_I_H
#define RINGFUSE_TSAN_I_H

#if defined(__SANITIZE_THREAD__)
#define FUSE__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FUSE__TSAN 1
#endif
#endif

#ifdef FUSE__TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define fuse__tsan_acquire(addr) __tsan_acquire(addr)
#define fuse__tsan_release(addr) __tsan_release(addr)
#else
#define fuse__tsan_acquire(addr) ((void)(addr))
#define fuse__tsan_release(addr) ((void)(addr))
#endif

#endif /* RINGFUSE_TSAN_I_H */
