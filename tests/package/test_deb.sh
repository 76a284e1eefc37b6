#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root with dpkg -x
# and runs every packaged binary's --version from there, and checks each
# comes with its man page and bash and zsh completions. Also checks the
# package declares the Debian runtime libraries it links against (and
# recommends the CA certificates amqps:// verifies with), and that no
# binary with libstdc++ linked in loads libstdc++.so as well.
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
if [[ $(dpkg-deb -f "$deb" Recommends) != *ca-certificates* ]]; then
  echo "package does not recommend ca-certificates" >&2
  exit 1
fi

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
  # A binary with the C++ runtime linked in must not load libstdc++.so too.
  if [[ $(readelf -d "$exe") != *libstdc++* && $(ldd "$exe") == *libstdc++* ]]; then
    echo "$tool has libstdc++ linked in and also loads libstdc++.so" >&2
    status=1
  fi
  if [[ ! -f $root/usr/share/man/man1/$tool.1 && ! -f $root/usr/share/man/man1/$tool.1.gz ]]; then
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
[[ -f $root/usr/share/man/man7/bloodbank.7 || -f $root/usr/share/man/man7/bloodbank.7.gz ]] || { echo "missing bloodbank(7)" >&2; status=1; }
exit $status
