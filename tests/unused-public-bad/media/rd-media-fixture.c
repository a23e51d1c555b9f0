/* rd-media-fixture.c: the other file, which uses rd_fixture_used() and rd_fixture_hidden().
 * Naming rd_fixture_unused() in this comment, or in "rd_fixture_unused ()", is no use. */
#define G_BEGIN_DECLS
#define G_END_DECLS
#define G_GNUC_CONST
#include "config/rd-config-fixture.h"

int rd_fixture_hidden (int x);

int
main (void)
{
  const char *name = "rd_fixture_unused";

  return RD_FIXTURE_TWICE (1) + rd_fixture_hidden (2) + rd_fixture_inline (3) + (name[0] == 'x');
}
