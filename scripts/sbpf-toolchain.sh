#!/usr/bin/env bash
# Installs the toolchain that compiles no_std Rust to real sBPF (SBPF v0) on a machine without
# the Solana CLI, into ~/.cache/keel/sbpf (override with KEEL_SBPF_HOME). Idempotent: each step
# is skipped when its stamp file exists. Progress goes to stderr; stdout gets only the directory.
#
# The route (see the README, "Compute units on real sBPF"):
# - rustc/cargo 1.96 with the std sources: Debian bookworm-security's rustc-web, cargo-web and
#   rust-web-src, unpacked with `dpkg -x` (never installed: the system stays untouched);
# - LLVM 23 (its BPF backend accepts the u128 multiply/divide libcalls, LLVM 22's does not):
#   Debian sid's libllvm23 and the sid runtime libraries it needs, fetched with `apt-get
#   download` under an apt state of its own and unpacked with `dpkg -x`;
# - the linker: crates.io sbpf-linker 0.2.6 (it loads libLLVM at run time), run through a
#   wrapper that starts it under sid's dynamic loader with sid's libraries.
# Needs root for apt-get update of the system lists, network access to deb.debian.org and
# crates.io, and rustup's cargo (for `cargo install`).
set -euo pipefail

# Everything but the final directory goes to stderr.
exec 3>&1 1>&2

ROOT="${KEEL_SBPF_HOME:-$HOME/.cache/keel/sbpf}"
SBPF_LINKER_VERSION=0.2.6
RUST_WEB_PACKAGES=(rustc-web cargo-web rust-web-src libstd-rust-web-1.96 libstd-rust-web-dev libllvm22
  libgit2-1.5 libhttp-parser2.9 libmbedcrypto7 libmbedx509-1 libmbedtls14)
SID_PACKAGES=(libllvm23 libc6 libstdc++6 libgcc-s1 libxml2-16 libz3-4 libedit2 libffi8 libzstd1 zlib1g
  libbsd0 libmd0 libtinfo6)
mkdir -p "$ROOT"

# Unpacks every .deb of directory $1 into directory $2.
unpack_all() {
  local debs="$1" into="$2" deb
  rm -rf "$into"
  mkdir -p "$into"
  for deb in "$debs"/*.deb; do
    dpkg -x "$deb" "$into"
  done
}

# 1. rustc-web / cargo-web 1.96 from bookworm-security.
if [ ! -e "$ROOT/rust-web.done" ]; then
  echo "sbpf-toolchain: fetching rustc-web 1.96 (bookworm-security)"
  rm -rf "$ROOT/debs/rust-web"
  mkdir -p "$ROOT/debs/rust-web"
  apt-get update -qq
  (cd "$ROOT/debs/rust-web" && apt-get -o APT::Sandbox::User=root download -qq "${RUST_WEB_PACKAGES[@]}")
  unpack_all "$ROOT/debs/rust-web" "$ROOT/rust-web"
  touch "$ROOT/rust-web.done"
fi

# 2. LLVM 23 and its runtime from sid, under a separate apt state.
if [ ! -e "$ROOT/sid.done" ]; then
  echo "sbpf-toolchain: fetching libllvm23 and its runtime (Debian sid)"
  apt_state="$ROOT/apt-sid"
  mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" "$apt_state/etc"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
    >"$apt_state/etc/sources.list"
  : >"$apt_state/status"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_state/etc/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache=$apt_state/cache"
    -o "Dir::State::status=$apt_state/status" -o "APT::Architecture=amd64" -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq
  rm -rf "$ROOT/debs/sid"
  mkdir -p "$ROOT/debs/sid"
  (cd "$ROOT/debs/sid" && apt-get "${apt_opts[@]}" download -qq "${SID_PACKAGES[@]}")
  unpack_all "$ROOT/debs/sid" "$ROOT/sid"
  # A directory holding only libLLVM 23, for the linker's run-time lookup.
  mkdir -p "$ROOT/llvm23"
  llvm_so="$(find "$ROOT/sid" -name 'libLLVM.so.23*' -type f | head -n1)"
  [ -n "$llvm_so" ] || { echo "sbpf-toolchain: libLLVM.so.23 not found in the sid packages"; exit 1; }
  cp "$llvm_so" "$ROOT/llvm23/libLLVM.so.23.1"
  ln -sf libLLVM.so.23.1 "$ROOT/llvm23/libLLVM.so"
  ls "$ROOT/debs/sid" >"$ROOT/sid-packages.txt"
  touch "$ROOT/sid.done"
fi

# 3. sbpf-linker from crates.io (rustup's cargo; it dlopens libLLVM at run time).
if ! [ -x "$ROOT/linker/bin/sbpf-linker" ]; then
  echo "sbpf-toolchain: building sbpf-linker $SBPF_LINKER_VERSION (crates.io)"
  CARGO_TARGET_DIR="$ROOT/linker-target" cargo install "sbpf-linker@$SBPF_LINKER_VERSION" --locked --root "$ROOT/linker"
  rm -rf "$ROOT/linker-target"
fi

# 4. The wrappers used by scripts/sbpf-meter.sh.
mkdir -p "$ROOT/bin"
sid_libs="$ROOT/sid/usr/lib/x86_64-linux-gnu:$ROOT/sid/lib/x86_64-linux-gnu"
loader="$(find "$ROOT/sid" -name 'ld-linux-x86-64.so.2' | head -n1)"
[ -n "$loader" ] || { echo "sbpf-toolchain: sid's ld-linux-x86-64.so.2 not found"; exit 1; }
cat >"$ROOT/bin/sbpf-linker" <<EOF
#!/bin/sh
# sbpf-linker $SBPF_LINKER_VERSION with LLVM 23, under Debian sid's loader and libraries.
export LD_LIBRARY_PATH="$ROOT/llvm23"
exec "$loader" --library-path "$ROOT/llvm23:$sid_libs" "$ROOT/linker/bin/sbpf-linker" "\$@"
EOF
rust_libs="$ROOT/rust-web/usr/lib/x86_64-linux-gnu:$ROOT/rust-web/usr/lib/llvm-22/lib"
for tool in rustc cargo; do
  cat >"$ROOT/bin/$tool" <<EOF
#!/bin/sh
# Debian's $tool-web 1.96, unpacked (not installed).
export LD_LIBRARY_PATH="$rust_libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$ROOT/rust-web/usr/bin/$tool" "\$@"
EOF
done
chmod +x "$ROOT/bin/sbpf-linker" "$ROOT/bin/rustc" "$ROOT/bin/cargo"
"$ROOT/bin/rustc" --version >/dev/null
echo "$ROOT" >&3
