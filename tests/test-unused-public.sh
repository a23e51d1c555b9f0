#!/usr/bin/env bash
# Fails on a public function nobody else uses. A public function is one declared in a header of
# a module (config proto media signaling ledger documents daemon console, private headers
# included) or defined without `static` in a module's source. Every one of them must be:
#   - defined: a declaration with no definition behind it is a stale promise;
#   - declared in a module header: a global function whose only prototype is in its own .c file
#     is hidden from readers (-Werror=missing-prototypes accepts that prototype);
#   - called (or its address taken) from another object file than its definition's: a function
#     no file calls is dead code, one only its own file calls should be `static`.
# Calls from tests/ and bench/ count: a function the tests use to observe the product is used.
# Exempt: main, GObject's <type>_get_type and the error domains' <module>_error_quark (part of
# a type or an error contract whether or not another file names them yet).
#
# What counts as "calls" is read from the objects of the last build, never from the text: the
# relocations of each object file (readelf -r) name every global function it calls or takes the
# address of, so comments and strings cannot hide or fake a use. The objects are those listed in
# BUILD/compile_commands.json (CMAKE_EXPORT_COMPILE_COMMANDS), so a stale object of a deleted
# source is never read; the test fails if one of them has not been built.
#
# usage: test-unused-public.sh ROOT BUILD [MIN_FUNCTIONS]
#   MIN_FUNCTIONS (default 100): fewer public functions found means the check saw too little.
set -u
root=${1:?usage: test-unused-public.sh ROOT BUILD [MIN_FUNCTIONS]}
build=${2:?usage: test-unused-public.sh ROOT BUILD [MIN_FUNCTIONS]}
min=${3:-100}
modules="config proto media signaling ledger documents daemon console"
root=$(cd "$root" && pwd) || exit 1

db="$build/compile_commands.json"
[ -f "$db" ] || {
  echo "no $db: configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON"
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "source<TAB>object" for every compile in the build.
perl -ne '
  $dir = $1 if /^\s*"directory":\s*"(.*)",?\s*$/;
  $obj = $1 if /^\s*"command":.*\s-o\s+(\S+)/;
  if (/^\s*"file":\s*"(.*)",?\s*$/) {
    $o = $obj =~ m{^/} ? $obj : "$dir/$obj";
    print "$1\t$o\n";
  }' "$db" | sort -u >"$tmp/objects"

missing=0
module_objects=()
while IFS=$'\t' read -r src obj; do
  if [ ! -f "$obj" ]; then
    echo "$obj (from $src) is not built: build everything before this test"
    missing=1
    continue
  fi
  rel=${src#"$root"/}
  case " $modules " in *" ${rel%%/*} "*) module_objects+=("$obj") ;; esac
done <"$tmp/objects"
[ "$missing" -eq 0 ] || exit 1
[ "${#module_objects[@]}" -gt 0 ] || {
  echo "no object of $modules under $root in $db: nothing was checked"
  exit 1
}

# Functions declared in the modules' headers, one "name<TAB>header" a line. Comments, strings,
# preprocessor lines and all-capitals macro invocations (G_DECLARE_*, G_GNUC_PRINTF (...)) are
# dropped; what remains at file level is declarations. A static inline body is not public.
headers=()
for m in $modules; do
  [ -d "$root/$m" ] || continue
  while IFS= read -r -d '' h; do headers+=("$h"); done < <(find "$root/$m" -name '*.h' -print0)
done
[ "${#headers[@]}" -gt 0 ] || {
  echo "no header under $root: nothing was checked"
  exit 1
}
perl -e '
  for my $file (@ARGV) {
    open my $fh, "<", $file or die "$file: $!";
    local $/; my $t = <$fh>; close $fh;
    $t =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}
           {substr($1, 0, 1) eq "/" ? " " : "\"\""}gse;
    $t =~ s/^[ \t]*#(?:[^\n]*\\\n)*[^\n]*//mg;
    1 while $t =~ s/\b[A-Z][A-Z0-9_]*\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)/ /g;
    $t =~ s/\b[A-Z][A-Z0-9_]*\b(?=\s*$)//mg;
    my ($depth, $stmt, $inline) = (0, "", 0);
    for my $c (split //, $t) {
      if ($c eq "{") {
        $inline = 1 if $depth == 0 && $stmt =~ /\)\s*$/;
        $depth++;
      } elsif ($c eq "}") {
        $depth--;
        ($stmt, $inline) = ("", 0) if $depth == 0 && $inline;
      } elsif ($depth == 0) {
        if ($c eq ";") {
          print "$1\t$file\n"
            if $stmt !~ /^\s*(typedef|static)\b/ && $stmt =~ /^[^()]*?\b([A-Za-z_]\w*)\s*\(/;
          $stmt = "";
        } else {
          $stmt .= $c;
        }
      }
    }
  }' "${headers[@]}" | sort -u >"$tmp/declared"

# Global functions the modules define, "name<TAB>object".
nm --defined-only -g -A "${module_objects[@]}" | awk '$2 == "T" { sub(/:[0-9a-f]+$/, "", $1); print $3 "\t" $1 }' |
  sort -u >"$tmp/defined"

# "name<TAB>object" for each global function an object refers to (debug and unwind sections
# left out: they describe code, they do not use it).
cut -f2 "$tmp/objects" | sort -u | xargs readelf -rW | awk '
  /^File: / { o = substr($0, 7); next }
  /^Relocation section/ { skip = ($3 ~ /debug|eh_frame/); next }
  !skip && NF >= 5 && $5 !~ /^\./ { sub(/@.*/, "", $5); print $5 "\t" o }' | sort -u >"$tmp/refs"

# Every finding, one line each; none means the tree is clean.
awk -F'\t' -v root="$root/" '
  FILENAME == ARGV[1] { src[$2] = substr($1, 1, length(root)) == root ? substr($1, length(root) + 1) : $1; next }
  FILENAME == ARGV[2] { declared[$1] = 1; header[$1] = $2; next }
  FILENAME == ARGV[3] { if ($1 in users) users[$1] = users[$1] "\t" $2; else users[$1] = $2; next }
  {
    defined[$1] = 1
    if ($1 ~ /^(main|.*_get_type|.*_error_quark)$/) next
    if (!($1 in declared)) print src[$2] ": " $1 " is not static and no module header declares it"
    n = split(users[$1], u, "\t"); other = 0; own = 0
    for (i = 1; i <= n; i++) if (u[i] == $2) own = 1; else if (u[i] != "") other = 1
    if (!other && own) print src[$2] ": " $1 " is public but only its own file uses it (make it static)"
    if (!other && !own) print src[$2] ": " $1 " is public but nothing uses it (dead code)"
  }
  END {
    for (f in declared) if (!(f in defined))
      print substr(header[f], length(root) + 1) ": " f " is declared but no module defines it"
  }' "$tmp/objects" "$tmp/declared" "$tmp/refs" "$tmp/defined" | sort >"$tmp/findings"
cat "$tmp/findings"
bad=0
[ -s "$tmp/findings" ] && bad=1

count=$(cut -f1 "$tmp/declared" | sort -u | wc -l)
if [ "$count" -lt "$min" ]; then
  echo "only $count public functions found in ${#headers[@]} headers (expected >= $min):" \
    "the check saw too little"
  exit 1
fi
[ "$bad" -eq 0 ] && echo "unused-public: $count public functions in ${#headers[@]} headers," \
  "$(wc -l <"$tmp/defined") defined in ${#module_objects[@]} objects, each used from another file"
exit "$bad"
