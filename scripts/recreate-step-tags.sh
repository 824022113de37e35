#!/usr/bin/env bash
# Recreates missing annotated step tags from the `Migration-Step: <tag>` trailers in history
# (ROADMAP: the commit completing a step carries one). Existing tags are left as they are;
# if several commits carry the same tag, the newest wins. Usage: recreate-step-tags.sh [rev]
set -euo pipefail

rev="${1:-HEAD}"
if ! git rev-parse -q --verify "${rev}^{commit}" >/dev/null; then
  echo "no commits at ${rev}: nothing to tag"
  exit 0
fi

created=0
declare -A seen=()
while read -r sha tags; do
  for tag in ${tags}; do
    [[ -n "${seen[$tag]:-}" ]] && continue
    seen[$tag]=1
    if ! git check-ref-format "refs/tags/${tag}"; then
      echo "skipped ${tag} (${sha:0:12}): not a valid tag name" >&2
    elif git rev-parse -q --verify "refs/tags/${tag}" >/dev/null; then
      echo "exists  ${tag}"
    else
      # A clone with no git identity configured tags as the commit's committer.
      name="$(git config user.name || git log -1 --format=%cn "${sha}")"
      email="$(git config user.email || git log -1 --format=%ce "${sha}")"
      GIT_COMMITTER_NAME="${name}" GIT_COMMITTER_EMAIL="${email}" \
        git tag -a "${tag}" "${sha}" -m "${tag}"
      echo "created ${tag} -> ${sha:0:12}"
      created=$((created + 1))
    fi
  done
done < <(git log --format='%H %(trailers:key=Migration-Step,valueonly,separator=%x20)' "${rev}")

echo "${created} step tag(s) created"
