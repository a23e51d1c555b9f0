/* rd-test-lsan-glib.h: include once, in the test program's main file, in a test that checks
 * leaks under AddressSanitizer (RD_SANITIZE builds read these two functions) while loading
 * GStreamer's plugins. GLib's quark table starts as a 16 KiB block allocated in its library
 * constructor and is abandoned by design (for lock-free lookups) once a process passes 2048
 * quarks, as loading GStreamer plugins does. Only allocations made by library constructors
 * (_dl_init) are exempt; GLib is built without frame pointers, so finding _dl_init on the stack
 * takes the slow unwinder. Threading: read by the sanitizer at start-up. */
#pragma once

const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
  return "leak:_dl_init\n";
}
