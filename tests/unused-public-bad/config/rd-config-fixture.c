/* rd-config-fixture.c: see rd-config-fixture.h. */
#define G_BEGIN_DECLS
#define G_END_DECLS
#define G_GNUC_CONST
#include "config/rd-config-fixture.h"

/* Public, but its prototype is here rather than in a header. */
int rd_fixture_hidden (int x);

int
rd_fixture_own_file_only (int x)
{
  return x * 3;
}

int
rd_fixture_used (int x)
{
  return rd_fixture_own_file_only (x);
}

int
rd_fixture_unused (int x)
{
  return x - 1;
}

int
rd_fixture_hidden (int x)
{
  return x;
}
