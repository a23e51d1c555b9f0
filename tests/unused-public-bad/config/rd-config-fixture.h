/* rd-config-fixture.h: one of each fault test-unused-public.sh must name (tests/unused.cmake),
 * beside a function that is used and a static inline one that is not public. */
#pragma once

G_BEGIN_DECLS

#define RD_FIXTURE_TWICE(x) (rd_fixture_used (x) * 2)

int rd_fixture_used (int x);
int rd_fixture_unused (int x);
int rd_fixture_own_file_only (int x);
int rd_fixture_never_defined (int x) G_GNUC_CONST;

static inline int
rd_fixture_inline (int x)
{
  return x + 1;
}

G_END_DECLS
