#!/usr/bin/env bash
# Reads every #include in the modules under ROOT and fails on a wrong-way dependency
# (docs/ARCHITECTURE.md): media, signaling, ledger and archive never include each other; config
# and proto include nothing above them; documents include nothing but themselves (receptionctl and
# the daemon both use them); only ledger/ includes sqlite3.h; the console never includes the
# daemon or a module it does not talk to.
# usage: test-layering.sh ROOT
set -u
root=${1:?usage: test-layering.sh ROOT}

declare -A allowed=(
  [config]="config"
  [proto]="proto config"
  [media]="media config"
  [signaling]="signaling config"
  [ledger]="ledger config"
  [archive]="archive config"
  [documents]="documents"
  [daemon]="daemon config proto media signaling ledger archive documents"
  [console]="console config proto documents"
)

bad=0
checked=0
for module in "${!allowed[@]}"; do
  [ -d "$root/$module" ] || continue
  while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    lineno=0
    while IFS= read -r line; do
      lineno=$((lineno + 1))
      if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
        target=${BASH_REMATCH[1]}
        if [[ $target != */* ]]; then
          echo "$file:$lineno: include \"$target\" without its folder (write \"<folder>/$target\")"
          bad=1
          continue
        fi
        dep=${target%%/*}
        if [[ " ${allowed[$module]} " != *" $dep "* ]]; then
          echo "$file:$lineno: $module/ must not include $target ($module/ may use: ${allowed[$module]})"
          bad=1
        fi
      elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<sqlite3\.h\> ]] && [ "$module" != ledger ]; then
        echo "$file:$lineno: only ledger/ may include sqlite3.h"
        bad=1
      fi
    done <"$file"
  done < <(find "$root/$module" -name '*.[ch]' -print0)
done

if [ "$checked" -eq 0 ]; then
  echo "no sources found under $root: nothing was checked"
  exit 1
fi
[ "$bad" -eq 0 ] && echo "layering: $checked files checked, every include goes the right way"
exit "$bad"
