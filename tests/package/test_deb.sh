#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root with dpkg -x
# and runs every packaged binary's --version from there, and checks each
# comes with its man page and bash and zsh completions. Also checks the
# package declares the Debian runtime libraries it links against (and
# recommends the CA certificates amqps:// verifies with, and bash-completion),
# that no binary with libstdc++ linked in loads libstdc++.so as well (nor,
# for bb-id and bb-publish, libm.so), that none loads libhiredis at start, and
# that Debian's lintian finds no error and no warning in it.
set -euo pipefail
build_dir=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

(cd "$build_dir" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build_dir"/package/bloodbank_*.deb | head -n 1)
dpkg -x "$deb" "$root"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in librabbitmq4 libhiredis libssl3; do
  if [[ $depends != *"$lib"* ]]; then
    echo "package Depends lacks $lib: $depends" >&2
    exit 1
  fi
done
recommends=$(dpkg-deb -f "$deb" Recommends)
for package in ca-certificates bash-completion; do
  if [[ $recommends != *"$package"* ]]; then
    echo "package does not recommend $package: $recommends" >&2
    exit 1
  fi
done

status=0
for tool in bb-id bb-publish bb-consume bb-trace; do
  exe="$root/usr/bin/$tool"
  if [[ ! -x $exe ]]; then
    echo "missing from the package: /usr/bin/$tool" >&2
    status=1
    continue
  fi
  out=$("$exe" --version)
  if [[ $out != "$tool (bloodbank) "* ]]; then
    echo "unexpected --version output from $tool: $out" >&2
    status=1
  fi
  dynamic=$(readelf -d "$exe")
  # A binary with the C++ runtime linked in must not load libstdc++.so too.
  if [[ $dynamic != *libstdc++* && $(ldd "$exe") == *libstdc++* ]]; then
    echo "$tool has libstdc++ linked in and also loads libstdc++.so" >&2
    status=1
  fi
  # Nor libm for the one-event tools: every library loaded is paid on every
  # run, and libstdc++'s two calls into libm are linked in.
  if [[ $tool == bb-id || $tool == bb-publish ]] &&
    [[ $dynamic != *libstdc++* && $dynamic == *libm.so* ]]; then
    echo "$tool, run once per event, loads libm.so" >&2
    status=1
  fi
  # libhiredis is loaded when Redis is first used, not at every start.
  if [[ $dynamic == *libhiredis* ]]; then
    echo "$tool loads libhiredis at start" >&2
    status=1
  fi
  if [[ -n $(readelf -S "$exe" | grep -E '\.symtab|\.debug_') ]]; then
    echo "$tool is not stripped" >&2
    status=1
  fi
  if [[ ! -f $root/usr/share/man/man1/$tool.1.gz ]]; then
    echo "missing man page for $tool" >&2
    status=1
  fi
  for completion in bash-completion/completions/$tool zsh/vendor-completions/_$tool; do
    if [[ ! -f $root/usr/share/$completion ]]; then
      echo "missing completion: /usr/share/$completion" >&2
      status=1
    fi
  done
done
[[ -f $root/usr/share/man/man7/bloodbank.7.gz ]] || { echo "missing bloodbank(7)" >&2; status=1; }
for doc in copyright changelog.gz; do
  [[ -f $root/usr/share/doc/bloodbank/$doc ]] || { echo "missing /usr/share/doc/bloodbank/$doc" >&2; status=1; }
done

# Every error and warning fails, and so does any hardening tag (those are
# only informational: a binary built without the hardening flags). No
# overrides: what lintian finds is fixed in the package.
if ! command -v lintian >/dev/null; then
  echo "lintian is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
lintian_status=0
findings=$(lintian --display-info --fail-on error,warning "$deb" 2>&1) || lintian_status=$?
printf '%s\n' "$findings" >&2
if ((lintian_status != 0)); then
  echo "lintian reports errors or warnings on $deb" >&2
  status=1
fi
if [[ $findings == *": hardening-"* ]]; then
  echo "binaries in $deb lack hardening (configured with -DBB_HARDEN=OFF?)" >&2
  status=1
fi
exit $status
